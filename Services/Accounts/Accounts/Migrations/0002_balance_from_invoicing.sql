-- `balance` is the account's credit with the platform, owned by invoicing and learned from `billing.account_credit.changed`;
-- the instant of the event it came from keeps a late, older event from overwriting a newer balance.
ALTER TABLE billing_accounts ADD COLUMN balance_as_of timestamptz;
