-- Payment-provider notifications already handled, by the provider's event id: a notification delivered again changes nothing.
CREATE TABLE provider_events (
    tenant_id text NOT NULL,
    provider text NOT NULL,
    event_id text NOT NULL,
    type text NOT NULL,
    outcome text NOT NULL,
    received_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, provider, event_id)
);
SELECT enable_tenant_isolation('provider_events');
