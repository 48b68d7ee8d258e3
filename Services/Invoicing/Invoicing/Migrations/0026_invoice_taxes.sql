-- Taxes on invoices (issue 26). Each line keeps the tax code of what it bills (its plan, add-on or product; absent: the tenant's
-- default); at finalization the tenant's active tax rates add a TAX line per exclusive rate and a WITHHOLDING line (negative) per
-- federal withholding the buyer makes, and `taxes` records every rate that matched (inclusive ones too) with its base and amount.
ALTER TABLE invoice_lines
    ADD COLUMN tax_code text,
    DROP CONSTRAINT invoice_lines_kind_check,
    ADD CONSTRAINT invoice_lines_kind_check CHECK (kind IN (
        'SUBSCRIPTION', 'TRIAL', 'ADDON', 'PRORATION', 'USAGE', 'CREDIT_OVERAGE', 'CREDIT_PACKAGE', 'ACCOUNT_CREDIT', 'ONE_OFF',
        'INVOICE_ITEM', 'MINIMUM_TRUE_UP', 'DISCOUNT', 'TAX', 'WITHHOLDING'));
ALTER TABLE pending_lines ADD COLUMN tax_code text;
ALTER TABLE invoices ADD COLUMN taxes jsonb;

-- A credit note credits the taxes of the lines it credits: a share of each TAX line (positive) and of each WITHHOLDING line
-- (negative: what the buyer withheld is not given back to it).
ALTER TABLE credit_note_lines
    DROP CONSTRAINT credit_note_lines_amount_minor_check,
    ADD CONSTRAINT credit_note_lines_amount_minor_check CHECK (amount_minor <> 0);

-- What invoicing knows of each billing account's taxes, kept from the accounts' events (a copy, so that finalization reads it
-- in its own transaction instead of calling the accounts service while it holds the invoice's lock).
CREATE TABLE account_tax_profiles (
    tenant_id text NOT NULL,
    billing_account_id uuid NOT NULL,
    tax_id_type text,
    tax_exempt boolean NOT NULL,
    -- The account's own updatedAt: an older event never overwrites a newer copy.
    account_updated_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, billing_account_id)
);
SELECT enable_tenant_isolation('account_tax_profiles');
