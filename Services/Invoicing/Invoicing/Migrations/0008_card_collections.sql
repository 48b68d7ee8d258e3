-- Automatic collection: period invoices to charge to the account's default saved card, and when (the first attempt right after
-- finalize, each retry after the delay the retry schedule gives). A row goes when the invoice is paid, or no attempt is left.
CREATE TABLE card_collections (
    tenant_id text NOT NULL,
    invoice_id uuid NOT NULL,
    attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, invoice_id)
);
SELECT enable_tenant_isolation('card_collections');
CREATE INDEX card_collections_due ON card_collections (next_attempt_at);

-- A tenant's own retry schedule (`1d,3d,5d`); NULL: the platform's default.
ALTER TABLE invoice_settings ADD COLUMN card_retry_schedule text;
