#!/usr/bin/env python3
"""Loads the demo catalog into the development tenant through the public API (idempotent by code).

Seed 002's four credit packages, a plan with 300 monthly credits (seed 003), a `messages` meter with a
plan limit, a free and a paid add-on, two AI models with separate input/output rates.
Usage: demo-data.py <gateway base URL> <token>
"""
import json, sys, urllib.error, urllib.request

base, token = sys.argv[1].rstrip("/"), sys.argv[2]

def call(method, path, body=None):
    request = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body else None,
                                     headers={"Authorization": "Bearer " + token, "Content-Type": "application/vnd.api+json"})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)

def ensure(path, type_, attributes, code_attribute="code"):
    status, found = call("GET", f"{path}?filter%5B{code_attribute}%5D={attributes[code_attribute]}")
    if status == 200 and found["data"]:
        return found["data"][0]["id"]
    status, created = call("POST", path, {"data": {"type": type_, "attributes": attributes}})
    if status != 201:
        sys.exit(f"demo data: {path} {attributes[code_attribute]}: HTTP {status} {json.dumps(created)}")
    return created["data"]["id"]

for code, name, credits, price in [("start", "Start", 100, "39.70"), ("growth", "Growth", 300, "99.70"),
                                   ("pro", "Pro", 800, "199.70"), ("master", "Master", 2000, "397.00")]:
    ensure("/api/v1/credit-packages", "credit-packages", {"code": code, "name": name, "credits": credits, "price": price, "currency": "BRL"})

meter = ensure("/api/v1/usage-meters", "usage-meters", {"code": "messages", "name": "Mensagens", "aggregation": "COUNT"})
overage = ensure("/api/v1/billing-products", "billing-products",
                 {"code": "messages-overage", "name": "Mensagens excedentes", "pricingModel": "PER_UNIT", "currency": "BRL", "unitAmount": "0.05"})
ensure("/api/v1/subscription-plans", "subscription-plans", {
    "code": "pro", "name": "Plano Pro", "description": "Acesso completo a todos os recursos", "billingInterval": "MONTHLY",
    "billingCycleType": "ANNIVERSARY", "basePrice": "299.90", "currency": "BRL", "trialDays": 14, "includedCredits": 300,
    "limits": [{"resource": "messages", "limit": 10000, "enforcement": "SOFT"},
               {"resource": "users", "limit": 10, "enforcement": "HARD"},
               {"resource": "whatsapp_sessions", "limit": 2, "enforcement": "HARD"}],
    "features": ["ai.copilot", "reports.basic"],
    "usageCharges": [{"meterId": meter, "productId": overage}]})
ensure("/api/v1/addons", "addons", {"code": "relatorios", "name": "Relatórios avançados", "description": "Exportações e painéis extras",
                                    "price": "0", "currency": "BRL", "featureFlag": "reports.advanced"})
ensure("/api/v1/addons", "addons", {"code": "whatsapp", "name": "WhatsApp Business", "description": "Atendimento pelo WhatsApp",
                                    "price": "49.90", "currency": "BRL", "featureFlag": "whatsapp"})
ensure("/api/v1/ai-models", "ai-models", {"modelId": "claude-sonnet-4.5", "name": "Claude Sonnet 4.5", "provider": "anthropic",
                                          "inputRate": "0.000003", "outputRate": "0.000015", "cachedInputRate": "0.0000003"}, "modelId")
ensure("/api/v1/ai-models", "ai-models", {"modelId": "claude-haiku-4.5", "name": "Claude Haiku 4.5", "provider": "anthropic",
                                          "inputRate": "0.000001", "outputRate": "0.000005", "markup": "1.5"}, "modelId")
print("demo data loaded for the development tenant")
