-- Invoices drafted from subscription events carry what they were drafted for ("subscription:<id>:<period start>"): a period is
-- invoiced once, however often its event arrives.
ALTER TABLE invoices ADD COLUMN source_key text;
CREATE UNIQUE INDEX invoices_source_key ON invoices (tenant_id, source_key) WHERE source_key IS NOT NULL;

-- Proration lines of plan and quantity changes, waiting for the subscription's next invoice.
CREATE TABLE pending_lines (
    tenant_id text NOT NULL,
    id uuid NOT NULL,
    subscription_id uuid NOT NULL,
    -- The event that brought the line, and its position in it: a redelivered event adds nothing.
    source_event uuid NOT NULL,
    position integer NOT NULL,
    line jsonb NOT NULL,
    invoice_id uuid,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, source_event, position)
);
SELECT enable_tenant_isolation('pending_lines');
CREATE INDEX pending_lines_open ON pending_lines (tenant_id, subscription_id) WHERE invoice_id IS NULL;
