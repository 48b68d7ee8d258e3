#!/usr/bin/env python3
"""Prints an HS256 development token for the local gateway (standard library only).

Environment: BILLING_GATEWAY_JWT_HS256_SECRET (required), BILLING_GATEWAY_JWT_ISSUER, BILLING_GATEWAY_JWT_AUDIENCE,
TENANT (default dev-tenant), SUBJECT (default dev-user), ROLES (comma list, default owner),
PERMISSIONS (comma list, default: every permission), TTL_SECONDS (default 30 days),
BILLING_ACCOUNT_ID (a customer token: only that account's customer routes, e.g. `make token BILLING_ACCOUNT_ID=<uuid>`).
"""
import base64, hashlib, hmac, json, os, sys, time

def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

secret = os.environ.get("BILLING_GATEWAY_JWT_HS256_SECRET")
if not secret:
    sys.exit("BILLING_GATEWAY_JWT_HS256_SECRET is not set")
permissions_file = os.path.join(os.path.dirname(__file__), "permissions.txt")
every = [line.strip() for line in open(permissions_file) if line.strip() and not line.startswith("#")]
now = int(time.time())
claims = {
    "sub": os.environ.get("SUBJECT", "dev-user"),
    "organizationId": os.environ.get("TENANT", "dev-tenant"),
    "roles": [r for r in os.environ.get("ROLES", "owner").split(",") if r],
    "permissions": [p for p in os.environ.get("PERMISSIONS", ",".join(every)).split(",") if p],
    "iss": os.environ.get("BILLING_GATEWAY_JWT_ISSUER", "billing-local"),
    "aud": os.environ.get("BILLING_GATEWAY_JWT_AUDIENCE", "billing-api"),
    "iat": now,
    "nbf": now - 5,
    "exp": now + int(os.environ.get("TTL_SECONDS", str(30 * 24 * 3600))),
}
if os.environ.get("BILLING_ACCOUNT_ID"):
    claims["billingAccountId"] = os.environ["BILLING_ACCOUNT_ID"]
header = {"alg": "HS256", "typ": "JWT"}
signing_input = b64(json.dumps(header, separators=(",", ":")).encode()) + "." + b64(json.dumps(claims, separators=(",", ":")).encode())
signature = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
print(signing_input + "." + b64(signature))
