-- Seed 003's credit alerts: thresholds per wallet (default 80/90/95/100 % of the allowance), an optional preventive block at one
-- of them ("bloqueio preventivo a 95%") that refuses charges and holds until credits arrive or the settings are saved again, and a
-- warning N days (default 7) before a grant with credits left expires, once per grant.
ALTER TABLE credit_wallets
    ADD COLUMN alert_thresholds smallint[] CHECK (1 <= ALL (alert_thresholds) AND 100 >= ALL (alert_thresholds)),
    ADD COLUMN block_at_percent smallint CHECK (block_at_percent BETWEEN 1 AND 100),
    ADD COLUMN threshold_blocked boolean NOT NULL DEFAULT false,
    ADD COLUMN expiry_warning_days smallint NOT NULL DEFAULT 7 CHECK (expiry_warning_days BETWEEN 0 AND 365);

ALTER TABLE credit_grants ADD COLUMN expiry_warned_at timestamptz;
-- The warning job's scan, across tenants: grants with credits left that expire and were not warned about.
CREATE INDEX credit_grants_expiry_warning ON credit_grants (expires_at)
    WHERE remaining > 0 AND expires_at IS NOT NULL AND expiry_warned_at IS NULL;
