-- Drafts waiting for automatic finalization (the tenant's autoFinalize setting). A batch job numbers them a tenant at a
-- time: one counter update and one commit per batch, so a burst of renewals does not queue on the tenant's gapless
-- counter row (held until commit) one invoice at a time.
CREATE TABLE finalize_queue (
    tenant_id text NOT NULL,
    invoice_id uuid NOT NULL,
    traceparent text,
    queued_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, invoice_id)
);
CREATE INDEX finalize_queue_order ON finalize_queue (queued_at, invoice_id);
SELECT enable_tenant_isolation('finalize_queue');
