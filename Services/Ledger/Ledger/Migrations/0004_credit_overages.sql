-- Postpaid credit overage: the overdraft owed when a subscription period ends is billed on that period's invoice (at the
-- plan's creditOveragePrice) and written off the wallet with one OVERAGE journal row. One row per reference, even when
-- nothing was owed, so the ledger's renewal handler and invoicing (whichever comes first) bill it once and agree on it.
ALTER TABLE credit_journal DROP CONSTRAINT credit_journal_kind_check;
ALTER TABLE credit_journal ADD CONSTRAINT credit_journal_kind_check
    CHECK (kind IN ('GRANT', 'CHARGE', 'HOLD', 'SETTLE', 'RELEASE', 'HOLD_EXPIRY', 'EXPIRY', 'REPAYMENT', 'REVERSAL', 'OVERAGE'));

CREATE TABLE credit_overages (
    tenant_id text NOT NULL,
    reference text NOT NULL,
    account_id uuid NOT NULL,
    credits numeric(20, 8) NOT NULL CHECK (credits >= 0),
    billed_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, reference)
);
SELECT enable_tenant_isolation('credit_overages');
