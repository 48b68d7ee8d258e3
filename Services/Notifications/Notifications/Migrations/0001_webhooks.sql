-- Tenants' webhook endpoints (Standard Webhooks). The signing secret is kept to sign every delivery (HMAC needs it); a rotated
-- one keeps signing for 24 h next to the new one.
CREATE TABLE webhook_endpoints (
    tenant_id text NOT NULL,
    id uuid NOT NULL,
    url text NOT NULL,
    event_types text[] NOT NULL DEFAULT '{}',
    description text,
    enabled boolean NOT NULL,
    disabled_reason text,
    secret text NOT NULL,
    previous_secret text,
    previous_secret_until timestamptz,
    -- Since when every attempt failed (NULL after a success): an endpoint failing for 5 days is disabled.
    failing_since timestamptz,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    deleted_at timestamptz,
    PRIMARY KEY (tenant_id, id)
);
SELECT enable_tenant_isolation('webhook_endpoints');
CREATE INDEX webhook_endpoints_live ON webhook_endpoints (tenant_id) WHERE deleted_at IS NULL AND enabled;

-- What is sent: the event's CloudEvents envelope, once per event (its id is the `webhook-id`).
CREATE TABLE webhook_messages (
    tenant_id text NOT NULL,
    id text NOT NULL,
    event_type text NOT NULL,
    payload text NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
SELECT enable_tenant_isolation('webhook_messages');

-- One message to one endpoint: PENDING until delivered (SUCCEEDED) or out of retries (FAILED). A replica leases it while it
-- posts (leased_until), so a replica killed mid-delivery leaves it to another after the lease.
CREATE TABLE webhook_deliveries (
    tenant_id text NOT NULL,
    endpoint_id uuid NOT NULL,
    message_id text NOT NULL,
    status text NOT NULL CHECK (status IN ('PENDING', 'SUCCEEDED', 'FAILED')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    leased_until timestamptz,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, endpoint_id, message_id),
    FOREIGN KEY (tenant_id, endpoint_id) REFERENCES webhook_endpoints (tenant_id, id),
    FOREIGN KEY (tenant_id, message_id) REFERENCES webhook_messages (tenant_id, id)
);
SELECT enable_tenant_isolation('webhook_deliveries');
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'PENDING';

-- Every attempt, as the endpoint answered it.
CREATE TABLE webhook_attempts (
    tenant_id text NOT NULL,
    id uuid NOT NULL,
    endpoint_id uuid NOT NULL,
    message_id text NOT NULL,
    attempted_at timestamptz NOT NULL,
    status_code integer,
    latency_ms integer NOT NULL,
    response text,
    error text,
    succeeded boolean NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
SELECT enable_tenant_isolation('webhook_attempts');
CREATE INDEX webhook_attempts_by_endpoint ON webhook_attempts (tenant_id, endpoint_id, attempted_at DESC);
