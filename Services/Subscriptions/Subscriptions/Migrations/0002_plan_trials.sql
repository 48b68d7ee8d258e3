-- A plan's own trial is given once per account and plan: the subscription that took it first is recorded here, and later
-- subscriptions of that account to that plan start without the plan's trial (an operator may still set trialDays).
CREATE TABLE plan_trials (
    tenant_id text NOT NULL,
    billing_account_id uuid NOT NULL,
    plan_id text NOT NULL,
    subscription_id uuid NOT NULL,
    taken_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, billing_account_id, plan_id)
);
SELECT enable_tenant_isolation('plan_trials');
