-- The billing audit trail (seed 000: "O sistema registra todos os eventos relacionados a billing para
-- auditoria"): every integration event of every context, per tenant, as published.
CREATE TABLE audit_events (
    tenant_id text NOT NULL,
    event_id uuid NOT NULL,
    type text NOT NULL,
    source text NOT NULL,
    subject text,
    occurred_at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    envelope jsonb NOT NULL,
    PRIMARY KEY (tenant_id, event_id)
);
CREATE INDEX audit_events_newest ON audit_events (tenant_id, event_id DESC);
CREATE INDEX audit_events_by_type ON audit_events (tenant_id, type, event_id DESC);
CREATE INDEX audit_events_by_subject ON audit_events (tenant_id, subject, event_id DESC);
SELECT enable_tenant_isolation('audit_events');
