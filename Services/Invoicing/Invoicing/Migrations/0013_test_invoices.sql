-- A test account's invoices (its account lives on a test clock) are marked and numbered in their own sequence (TEST-2027-000001),
-- so the real sequence stays gapless and test data is never mistaken for a real bill.
ALTER TABLE invoices ADD COLUMN livemode boolean NOT NULL DEFAULT true;
ALTER TABLE invoice_counters ADD COLUMN series text NOT NULL DEFAULT '';
ALTER TABLE invoice_counters DROP CONSTRAINT invoice_counters_pkey;
ALTER TABLE invoice_counters ADD PRIMARY KEY (tenant_id, series, year);
