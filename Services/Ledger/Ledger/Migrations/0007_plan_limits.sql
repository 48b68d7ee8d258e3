-- Plan limits enforced (issue 23): each subscription's limits (its plan's with its active add-ons' on top) as its latest event said;
-- an account's plan limit of a resource is the largest among its live subscriptions. Limits set on the account (usage_limits) win.
CREATE TABLE subscription_limits (
    tenant_id text NOT NULL,
    subscription_id uuid NOT NULL,
    account_id uuid NOT NULL,
    -- TRIAL, ACTIVE or PAST_DUE: its limits apply.
    live boolean NOT NULL,
    limits jsonb NOT NULL,
    source_updated_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, subscription_id)
);
CREATE INDEX subscription_limits_account ON subscription_limits (tenant_id, account_id) WHERE live;
SELECT enable_tenant_isolation('subscription_limits');

-- The plan-limit resource a meter's usage counts against (fixed once the meter is created, as the rest of it).
ALTER TABLE ledger_meters ADD COLUMN limit_resource text;
