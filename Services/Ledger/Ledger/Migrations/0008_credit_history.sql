-- Credit history (issue 23, seed 002 `credit_topups`/`usage_stats`, seed 003 "quem usou quanto e quando"): a wallet's lifetime
-- consumed and expired credits and when it last spent, kept by the statement that writes its journal (purchased and granted are
-- summed from its grants), and indexes for listing grants and executions by account in id (time) order.
ALTER TABLE credit_wallets
    ADD COLUMN consumed_total numeric(20, 8) NOT NULL DEFAULT 0,
    ADD COLUMN expired_total numeric(20, 8) NOT NULL DEFAULT 0,
    ADD COLUMN last_active_at timestamptz;
UPDATE credit_wallets w SET
    consumed_total = coalesce((SELECT -sum(j.amount) FROM credit_journal j
                               WHERE j.tenant_id = w.tenant_id AND j.account_id = w.account_id AND j.kind IN ('CHARGE', 'SETTLE')), 0),
    expired_total = coalesce((SELECT -sum(j.amount) FROM credit_journal j
                              WHERE j.tenant_id = w.tenant_id AND j.account_id = w.account_id AND j.kind = 'EXPIRY'), 0),
    last_active_at = (SELECT max(j.created_at) FROM credit_journal j
                      WHERE j.tenant_id = w.tenant_id AND j.account_id = w.account_id AND j.kind IN ('CHARGE', 'HOLD', 'SETTLE'));

CREATE INDEX credit_grants_account_id ON credit_grants (tenant_id, account_id, id);
CREATE INDEX credit_executions_account_id ON credit_executions (tenant_id, account_id, id);
