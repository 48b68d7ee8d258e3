-- Bank transfer, the manual method of issue 29. The tenant's bank account (printed with the invoice); the ISO 11649 reference
-- of each invoice finalized with BANK_TRANSFER (written in the finalizing transaction, one per invoice); and every transfer an
-- operator records from the bank statement, MATCHED (it paid the invoice its reference names: the payment) or UNMATCHED (kept
-- for review with the reason). A statement line's own id is recorded once.
CREATE TABLE bank_transfer_accounts (
    tenant_id text PRIMARY KEY,
    details jsonb NOT NULL,
    updated_at timestamptz NOT NULL
);
SELECT enable_tenant_isolation('bank_transfer_accounts');

CREATE TABLE bank_transfer_references (
    tenant_id text NOT NULL,
    invoice_id uuid NOT NULL,
    reference text NOT NULL CHECK (reference ~ '^RF[0-9]{2}[0-9A-Z]{1,21}$'),
    created_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, invoice_id),
    UNIQUE (tenant_id, reference)
);
SELECT enable_tenant_isolation('bank_transfer_references');

CREATE TABLE bank_transfers (
    tenant_id text NOT NULL,
    id uuid NOT NULL,
    reference text NOT NULL CHECK (length(reference) BETWEEN 1 AND 35),
    amount_minor bigint NOT NULL CHECK (amount_minor > 0),
    currency text NOT NULL,
    received_on date NOT NULL,
    bank_transaction_id text CHECK (length(bank_transaction_id) BETWEEN 1 AND 100),
    status text NOT NULL CHECK (status IN ('MATCHED', 'UNMATCHED')),
    unmatched_reason text,
    message text,
    invoice_id uuid,
    payment_id uuid,
    recorded_by text,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CHECK ((status = 'MATCHED') = (payment_id IS NOT NULL AND unmatched_reason IS NULL))
);
SELECT enable_tenant_isolation('bank_transfers');
CREATE UNIQUE INDEX bank_transfers_transaction ON bank_transfers (tenant_id, bank_transaction_id) WHERE bank_transaction_id IS NOT NULL;
CREATE INDEX bank_transfers_by_status ON bank_transfers (tenant_id, status, id);
