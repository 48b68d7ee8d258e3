-- Limits set on an account (the admin path, until subscriptions provide the plan's).
CREATE TABLE usage_limits (
    tenant_id text NOT NULL,
    account_id uuid NOT NULL,
    resource text NOT NULL,
    limit_value bigint NOT NULL CHECK (limit_value >= 0),
    enforcement text NOT NULL CHECK (enforcement IN ('HARD', 'SOFT')),
    reset text NOT NULL CHECK (reset IN ('PERIOD', 'NEVER')),
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, account_id, resource)
);
SELECT enable_tenant_isolation('usage_limits');

-- Usage of a resource per period; limits that never reset count under period_start 1970-01-01.
CREATE TABLE usage_limit_counters (
    tenant_id text NOT NULL,
    account_id uuid NOT NULL,
    resource text NOT NULL,
    period_start timestamptz NOT NULL,
    used bigint NOT NULL CHECK (used >= 0),
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, account_id, resource, period_start)
);
SELECT enable_tenant_isolation('usage_limit_counters');

-- Which thresholds (80, 90, 100) were announced, so each is announced once per account, resource and period.
CREATE TABLE usage_limit_notices (
    tenant_id text NOT NULL,
    account_id uuid NOT NULL,
    resource text NOT NULL,
    period_start timestamptz NOT NULL,
    threshold smallint NOT NULL CHECK (threshold IN (80, 90, 100)),
    created_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, account_id, resource, period_start, threshold)
);
SELECT enable_tenant_isolation('usage_limit_notices');
