-- Seed 003's credit controls: spending caps per feature ("limite por automação"), next to the account's and each user's (a cap
-- may name a user, a feature, or both), and cost centres on executions (seed 003 enterprise), which consumption groups by.
ALTER TABLE credit_spending_caps ADD COLUMN feature_id text NOT NULL DEFAULT '';
ALTER TABLE credit_spending_caps DROP CONSTRAINT credit_spending_caps_pkey;
ALTER TABLE credit_spending_caps ADD PRIMARY KEY (tenant_id, account_id, user_id, feature_id, period);

ALTER TABLE credit_executions ADD COLUMN cost_center text CHECK (char_length(cost_center) <= 200);
