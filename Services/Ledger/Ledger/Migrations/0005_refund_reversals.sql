-- A refund of a credit-package invoice takes its credits back (REFUND_REVERSAL journal rows).
ALTER TABLE credit_journal DROP CONSTRAINT credit_journal_kind_check;
ALTER TABLE credit_journal ADD CONSTRAINT credit_journal_kind_check
    CHECK (kind IN ('GRANT', 'CHARGE', 'HOLD', 'SETTLE', 'RELEASE', 'HOLD_EXPIRY', 'EXPIRY', 'REPAYMENT', 'REVERSAL', 'OVERAGE', 'REFUND_REVERSAL'));

-- What a refund takes back after it was spent becomes debt beyond the overdraft: counted apart, so the wallet stays
-- "never overspent" by spending while it owes a refund's credits.
ALTER TABLE credit_wallets ADD COLUMN refund_debt numeric(20, 8) NOT NULL DEFAULT 0;
ALTER TABLE credit_wallets ADD CONSTRAINT credit_wallets_refund_debt CHECK (refund_debt >= 0 AND refund_debt <= debt);
ALTER TABLE credit_wallets DROP CONSTRAINT credit_wallets_never_overspent;
ALTER TABLE credit_wallets ADD CONSTRAINT credit_wallets_never_overspent CHECK (balance - held + overdraft_limit + refund_debt >= 0);
