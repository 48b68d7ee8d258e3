-- The credits report (issue 26): grants and the consuming and expiring journal rows of a tenant by the month they were written.
CREATE INDEX credit_grants_created ON credit_grants (tenant_id, created_at);
CREATE INDEX credit_journal_report ON credit_journal (tenant_id, created_at) WHERE kind IN ('CHARGE', 'SETTLE', 'EXPIRY');
