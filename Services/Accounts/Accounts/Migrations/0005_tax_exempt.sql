-- Taxes (issue 26): an account exempt from every tax rate, withholdings included (immune or exempt entities).
ALTER TABLE billing_accounts ADD COLUMN tax_exempt boolean NOT NULL DEFAULT false;
