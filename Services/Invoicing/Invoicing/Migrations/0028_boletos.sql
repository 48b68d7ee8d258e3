-- Boleto híbrido (issue 29): a boleto with a PIX QR registered at the bank's collection API for an invoice finalized with
-- payment method BOLETO. One per invoice: QUEUED in the transaction that finalizes it, REGISTERED once the bank holds it (with
-- the linha digitável, bar code and PIX code it answered, each verified here), PAID when the bank reports it settled (the
-- payment recorded once), CANCELING when the invoice no longer waits for it (voided, paid otherwise, credited) until the bank
-- confirms the baixa (CANCELED). The bank's title number (nosso número) is ours, from a sequence: registering again is the
-- same boleto.
CREATE SEQUENCE boleto_numbers MINVALUE 1 MAXVALUE 9999999999;
CREATE TABLE boletos (
    tenant_id text NOT NULL,
    invoice_id uuid NOT NULL,
    our_number text NOT NULL CHECK (our_number ~ '^[0-9]{17}$'),
    amount_minor bigint NOT NULL CHECK (amount_minor > 0),
    due_date date NOT NULL,
    fine_percent numeric(7, 4),
    monthly_interest_percent numeric(7, 4),
    status text NOT NULL CHECK (status IN ('QUEUED', 'REGISTERED', 'PAID', 'CANCELING', 'CANCELED')),
    barcode text CHECK (barcode ~ '^[0-9]{44}$'),
    digitable_line text CHECK (digitable_line ~ '^[0-9]{47}$'),
    pix_copy_paste text,
    paid_minor bigint,
    attempt_after timestamptz,
    last_error text,
    registered_at timestamptz,
    settled_at timestamptz,
    checked_at timestamptz,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, invoice_id),
    CHECK (status IN ('QUEUED', 'CANCELING', 'CANCELED') OR (barcode IS NOT NULL AND digitable_line IS NOT NULL))
);
SELECT enable_tenant_isolation('boletos');
-- The bank's notifications name the title number only: it finds the tenant.
CREATE UNIQUE INDEX boletos_our_number ON boletos (our_number);
CREATE INDEX boletos_waiting ON boletos (attempt_after) WHERE status IN ('QUEUED', 'CANCELING');
CREATE INDEX boletos_open ON boletos (checked_at) WHERE status = 'REGISTERED';

-- Payments and paid invoices may name the new methods (BOLETO here, BANK_TRANSFER for the manual method of the same issue).
ALTER TABLE payments DROP CONSTRAINT IF EXISTS payments_payment_method_check;
ALTER TABLE payments ADD CONSTRAINT payments_payment_method_check
    CHECK (payment_method IN ('PIX', 'CARD', 'BOLETO', 'BANK_TRANSFER'));
ALTER TABLE invoices DROP CONSTRAINT IF EXISTS invoices_payment_method_check;
ALTER TABLE invoices ADD CONSTRAINT invoices_payment_method_check
    CHECK (payment_method IS NULL OR payment_method IN ('PIX', 'CARD', 'BOLETO', 'BANK_TRANSFER'));
