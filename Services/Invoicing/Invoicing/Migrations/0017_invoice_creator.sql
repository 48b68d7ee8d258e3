-- Who created an invoice (the token's subject, or `system:auto-recharge`): a credit top-up says who bought it (seed 002
-- `credit_topups`).
ALTER TABLE invoices ADD COLUMN created_by text CHECK (char_length(created_by) <= 256);
CREATE INDEX invoices_credit_purchases ON invoices (tenant_id, id) WHERE credit_purchases IS NOT NULL;
