-- Editing a DRAFT (seed 001 "pode ser editada"): a memo and the buyer's purchase-order number on the invoice, and lines with an
-- id of their own (a ONE_OFF line added by hand is changed and removed by it) and the catalog product a ONE_OFF line sells.
ALTER TABLE invoices
    ADD COLUMN memo text CHECK (char_length(memo) <= 1000),
    ADD COLUMN purchase_order text CHECK (char_length(purchase_order) <= 100);

ALTER TABLE invoice_lines
    ADD COLUMN id uuid NOT NULL DEFAULT gen_random_uuid(),
    ADD COLUMN product_id uuid,
    DROP CONSTRAINT invoice_lines_kind_check,
    ADD CONSTRAINT invoice_lines_kind_check CHECK (kind IN (
        'SUBSCRIPTION', 'TRIAL', 'ADDON', 'PRORATION', 'USAGE', 'CREDIT_OVERAGE', 'CREDIT_PACKAGE', 'ACCOUNT_CREDIT', 'ONE_OFF'));
ALTER TABLE invoice_lines ALTER COLUMN id DROP DEFAULT;
