-- Every payment status seed 001 lists, stored (issue 23): PENDING (a PIX charge awaiting payment), PROCESSING (an automatic card
-- charge in flight, keyed by its attempt so a retried attempt is the same payment), FAILED (a decline, with its reason), COMPLETED
-- and REFUNDED. An invoice records how it was paid.
ALTER TABLE payments
    ADD COLUMN failure_reason text CHECK (char_length(failure_reason) <= 500),
    ADD COLUMN attempt_key text,
    ADD COLUMN updated_at timestamptz;
UPDATE payments SET updated_at = created_at;
ALTER TABLE payments ALTER COLUMN updated_at SET NOT NULL;
CREATE UNIQUE INDEX payments_attempt ON payments (tenant_id, attempt_key) WHERE attempt_key IS NOT NULL;
-- GET /payments by account or invoice, in id (time) order.
CREATE INDEX payments_account ON payments (tenant_id, billing_account_id, id);
CREATE INDEX payments_invoice ON payments (tenant_id, invoice_id, id);

ALTER TABLE invoices ADD COLUMN payment_method text CHECK (payment_method IN ('PIX', 'CARD'));
UPDATE invoices i SET payment_method = (
    SELECT p.payment_method FROM payments p
    WHERE p.tenant_id = i.tenant_id AND p.invoice_id = i.id AND p.status IN ('COMPLETED', 'REFUNDED')
    ORDER BY p.created_at DESC LIMIT 1)
WHERE i.status = 'PAID';
