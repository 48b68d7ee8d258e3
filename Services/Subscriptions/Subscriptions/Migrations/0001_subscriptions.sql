-- Test clocks (as Stripe's): subscriptions attached at creation live on the clock's time.
CREATE TABLE test_clocks (
    tenant_id text NOT NULL,
    id uuid NOT NULL,
    name text NOT NULL,
    frozen_time timestamptz NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
SELECT enable_tenant_isolation('test_clocks');

-- Subscriptions (seeds 000, 001). The aggregate is loaded and saved whole as `document` (the contract's `Subscription`);
-- the columns beside it are what queries filter on, and the checks the database keeps true on its own.
CREATE TABLE subscriptions (
    tenant_id text NOT NULL,
    id uuid NOT NULL,
    billing_account_id uuid NOT NULL,
    status text NOT NULL CHECK (status IN ('TRIAL', 'ACTIVE', 'PAST_DUE', 'PAUSED', 'CANCELED', 'EXPIRED')),
    quantity integer NOT NULL CHECK (quantity > 0),
    current_period_start timestamptz NOT NULL,
    current_period_end timestamptz NOT NULL CHECK (current_period_end > current_period_start),
    -- When the scheduler must look at it next (trial end, period end, grace expiry); NULL when nothing happens by itself.
    next_action_at timestamptz,
    test_clock_id uuid,
    document jsonb NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, test_clock_id) REFERENCES test_clocks (tenant_id, id)
);
SELECT enable_tenant_isolation('subscriptions');

-- The scheduler's queue: due subscriptions on real time, soonest first.
CREATE INDEX subscriptions_due ON subscriptions (next_action_at) WHERE next_action_at IS NOT NULL AND test_clock_id IS NULL;
CREATE INDEX subscriptions_clock ON subscriptions (tenant_id, test_clock_id, next_action_at) WHERE test_clock_id IS NOT NULL;
CREATE INDEX subscriptions_account ON subscriptions (tenant_id, billing_account_id, id);
