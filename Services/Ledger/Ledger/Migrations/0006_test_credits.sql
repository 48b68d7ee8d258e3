-- Accounts on a test clock hold test credits only (issue 22, Stripe's livemode): the read model knows which accounts are test
-- ones, and every grant says whether its credits are real.
ALTER TABLE ledger_accounts ADD COLUMN livemode boolean NOT NULL DEFAULT true;
ALTER TABLE credit_grants ADD COLUMN livemode boolean NOT NULL DEFAULT true;
