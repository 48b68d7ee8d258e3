-- Idempotency-Key records of public POST requests (per tenant, kept for the retention window).
CREATE TABLE idempotency_keys (
    tenant_id text NOT NULL,
    idempotency_key text NOT NULL,
    request_fingerprint text NOT NULL,
    state text NOT NULL CHECK (state IN ('IN_PROGRESS', 'COMPLETED')),
    response_status integer,
    response_body bytea,
    locked_until timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, idempotency_key)
);
CREATE INDEX idempotency_keys_expires_at ON idempotency_keys (expires_at);
SELECT enable_tenant_isolation('idempotency_keys');
