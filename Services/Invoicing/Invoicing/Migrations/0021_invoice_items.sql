-- One-off charges (Stripe's invoice items): PENDING until the account's next invoice takes them as INVOICE_ITEM lines
-- (INVOICED, with that invoice), or DELETED by hand before. Amounts in minor units of the account's currency; a negative one is
-- a credit.
CREATE TABLE invoice_items (
    tenant_id text NOT NULL,
    id uuid NOT NULL,
    billing_account_id uuid NOT NULL,
    description text NOT NULL CHECK (char_length(description) BETWEEN 1 AND 500),
    quantity integer NOT NULL CHECK (quantity BETWEEN 1 AND 1000000),
    currency text NOT NULL,
    unit_amount_minor bigint NOT NULL,
    amount_minor bigint NOT NULL,
    status text NOT NULL CHECK (status IN ('PENDING', 'INVOICED', 'DELETED')),
    invoice_id uuid,
    metadata jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CHECK ((status = 'INVOICED') = (invoice_id IS NOT NULL))
);
SELECT enable_tenant_isolation('invoice_items');
-- The list (newest first, by status) and what a new invoice of the account takes.
CREATE INDEX invoice_items_account ON invoice_items (tenant_id, billing_account_id, id);
CREATE INDEX invoice_items_pending ON invoice_items (tenant_id, billing_account_id) WHERE status = 'PENDING';
CREATE INDEX invoice_items_invoice ON invoice_items (tenant_id, invoice_id) WHERE invoice_id IS NOT NULL;

ALTER TABLE invoice_lines
    DROP CONSTRAINT invoice_lines_kind_check,
    ADD CONSTRAINT invoice_lines_kind_check CHECK (kind IN (
        'SUBSCRIPTION', 'TRIAL', 'ADDON', 'PRORATION', 'USAGE', 'CREDIT_OVERAGE', 'CREDIT_PACKAGE', 'ACCOUNT_CREDIT', 'ONE_OFF',
        'INVOICE_ITEM'));
