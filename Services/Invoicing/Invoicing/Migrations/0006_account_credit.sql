-- Money an account has in credit with the platform (an overpayment), applied to its next invoices. The balance row is locked by
-- whoever moves it; each movement is an append-only entry with the balance after it.
CREATE TABLE account_credit_balances (
    tenant_id text NOT NULL,
    billing_account_id uuid NOT NULL,
    currency char(3) NOT NULL,
    balance_minor bigint NOT NULL CHECK (balance_minor >= 0),
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, billing_account_id)
);
SELECT enable_tenant_isolation('account_credit_balances');

CREATE TABLE account_credit_entries (
    tenant_id text NOT NULL,
    id uuid NOT NULL,
    billing_account_id uuid NOT NULL,
    amount_minor bigint NOT NULL CHECK (amount_minor <> 0),
    balance_after_minor bigint NOT NULL CHECK (balance_after_minor >= 0),
    -- OVERPAYMENT, APPLIED_TO_INVOICE or RETURNED_FROM_INVOICE.
    reason text NOT NULL,
    invoice_id uuid,
    payment_id uuid,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
SELECT enable_tenant_isolation('account_credit_entries');
