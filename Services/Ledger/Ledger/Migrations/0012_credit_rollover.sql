-- Partial rollover of the monthly allowance (seed 003): the carried part is a grant of its own source.
ALTER TABLE credit_grants DROP CONSTRAINT credit_grants_source_check;
ALTER TABLE credit_grants ADD CONSTRAINT credit_grants_source_check
    CHECK (source IN ('MONTHLY', 'PURCHASE', 'ADDON', 'BONUS', 'MANUAL', 'ROLLOVER'));
-- What a period's allowance left unused is what remains of it plus what expired of it: expiries looked up by grant.
CREATE INDEX credit_journal_grant_expiry ON credit_journal (tenant_id, grant_id) WHERE kind = 'EXPIRY';
