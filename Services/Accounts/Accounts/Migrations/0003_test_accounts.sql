-- A test account lives on a test clock (Stripe's rule): only it can subscribe on the clock, and what it is billed is test data.
ALTER TABLE billing_accounts ADD COLUMN test_clock_id uuid;
