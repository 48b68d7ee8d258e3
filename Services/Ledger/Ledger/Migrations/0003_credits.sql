-- AI credit wallets (seeds 000, 002, 003). One row per billing account; every change to it happens
-- with this row locked, so the grants, holds and counters of one wallet change one transaction at a time.
-- balance = sum of the journal = sum of grants' remaining - debt; available = usable grants - debt - held + overdraft_limit.
CREATE TABLE credit_wallets (
    tenant_id text NOT NULL,
    account_id uuid NOT NULL,
    balance numeric(20, 8) NOT NULL DEFAULT 0,
    held numeric(20, 8) NOT NULL DEFAULT 0 CHECK (held >= 0),
    -- Credits spent beyond the grants (only with an overdraft limit); repaid first by the next grants.
    debt numeric(20, 8) NOT NULL DEFAULT 0 CHECK (debt >= 0),
    overdraft_limit numeric(20, 8) NOT NULL DEFAULT 0 CHECK (overdraft_limit >= 0),
    -- No earlier expiry among the wallet's open holds (a lower bound: holds are swept when it has passed).
    holds_expire_at timestamptz,
    -- The monthly grant whose allowance the 80/90/95/100 % alerts measure, and the highest alert sent for it.
    allowance_grant_id uuid,
    allowance numeric(20, 8),
    alerts_sent smallint NOT NULL DEFAULT 0,
    exhausted boolean NOT NULL DEFAULT false,
    max_per_minute integer CHECK (max_per_minute > 0),
    max_per_hour integer CHECK (max_per_hour > 0),
    max_per_day integer CHECK (max_per_day > 0),
    recharge_package text,
    recharge_threshold numeric(20, 8) CHECK (recharge_threshold >= 0),
    -- The auto-recharge request waiting for its purchase to complete or fail.
    recharge_pending uuid,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, account_id),
    -- The non-negative rule, backed by the database: what is held never exceeds the balance plus the overdraft allowed.
    CONSTRAINT credit_wallets_never_overspent CHECK (balance - held + overdraft_limit >= 0)
);
SELECT enable_tenant_isolation('credit_wallets');

-- Credits as they arrive: plan allowance, purchases, add-ons, bonuses, manual grants.
CREATE TABLE credit_grants (
    tenant_id text NOT NULL,
    id uuid NOT NULL,
    account_id uuid NOT NULL,
    source text NOT NULL CHECK (source IN ('MONTHLY', 'PURCHASE', 'ADDON', 'BONUS', 'MANUAL')),
    priority integer NOT NULL CHECK (priority BETWEEN 0 AND 1000),
    amount numeric(20, 8) NOT NULL CHECK (amount > 0),
    remaining numeric(20, 8) NOT NULL CHECK (remaining >= 0 AND remaining <= amount),
    effective_at timestamptz NOT NULL,
    expires_at timestamptz CHECK (expires_at > effective_at),
    -- What created it (an invoice line, a subscription period, a client reference): a reference grants once.
    reference text,
    description text,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX credit_grants_reference ON credit_grants (tenant_id, reference);
CREATE INDEX credit_grants_open ON credit_grants (tenant_id, account_id) WHERE remaining > 0;
SELECT enable_tenant_isolation('credit_grants');

-- One row per AI execution: a direct charge, or an authorization (hold) and how it resolved.
-- Estimate and actual stay side by side (seed 003 "estimativa vs real").
CREATE TABLE credit_executions (
    tenant_id text NOT NULL,
    id uuid NOT NULL,
    account_id uuid NOT NULL,
    idempotency_key text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('CHARGE', 'AUTHORIZATION')),
    status text NOT NULL CHECK (status IN ('CHARGED', 'HELD', 'SETTLED', 'RELEASED', 'EXPIRED')),
    model_id text NOT NULL,
    model_version integer NOT NULL,
    -- The rate as it was when the execution began; a settle prices with it.
    rate jsonb NOT NULL,
    user_id text,
    feature_id text,
    estimated_input_tokens bigint,
    estimated_output_tokens bigint,
    estimated_cached_tokens bigint,
    estimated_credits numeric(20, 8),
    input_tokens bigint,
    output_tokens bigint,
    cached_tokens bigint,
    credits numeric(20, 8),
    -- Settled above the estimate beyond what the wallet held: the part not charged (the documented policy).
    uncovered_credits numeric(20, 8),
    expires_at timestamptz,
    created_at timestamptz NOT NULL,
    resolved_at timestamptz,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX credit_executions_idempotency ON credit_executions (tenant_id, idempotency_key);
CREATE INDEX credit_executions_account ON credit_executions (tenant_id, account_id, created_at);
CREATE INDEX credit_executions_held ON credit_executions (tenant_id, account_id, expires_at) WHERE status = 'HELD';
SELECT enable_tenant_isolation('credit_executions');

-- Append-only: every movement with the balance and held amount it left. sum(amount) = balance, sum(held_delta) = held.
CREATE TABLE credit_journal (
    tenant_id text NOT NULL,
    id bigint GENERATED ALWAYS AS IDENTITY,
    account_id uuid NOT NULL,
    kind text NOT NULL CHECK (kind IN ('GRANT', 'CHARGE', 'HOLD', 'SETTLE', 'RELEASE', 'HOLD_EXPIRY', 'EXPIRY', 'REPAYMENT', 'REVERSAL')),
    amount numeric(20, 8) NOT NULL,
    held_delta numeric(20, 8) NOT NULL,
    balance_after numeric(20, 8) NOT NULL,
    held_after numeric(20, 8) NOT NULL,
    grant_id uuid,
    execution_id uuid,
    user_id text,
    feature_id text,
    model_id text,
    input_tokens bigint,
    output_tokens bigint,
    cached_tokens bigint,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX credit_journal_account ON credit_journal (tenant_id, account_id, id);
SELECT enable_tenant_isolation('credit_journal');
CREATE FUNCTION credit_journal_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'credit_journal is append-only';
END $$;
CREATE TRIGGER credit_journal_append_only BEFORE UPDATE OR DELETE ON credit_journal
    FOR EACH ROW EXECUTE FUNCTION credit_journal_append_only();

-- Spending caps (seed 003): per account (user_id '') or per user, per day, week or month, in credits.
CREATE TABLE credit_spending_caps (
    tenant_id text NOT NULL,
    account_id uuid NOT NULL,
    user_id text NOT NULL,
    period text NOT NULL CHECK (period IN ('DAY', 'WEEK', 'MONTH')),
    cap numeric(20, 8) NOT NULL CHECK (cap >= 0),
    PRIMARY KEY (tenant_id, account_id, user_id, period)
);
SELECT enable_tenant_isolation('credit_spending_caps');

-- Credits spent ('spend:<user>', 'spend:' for the account) and executions begun ('executions') per window.
CREATE TABLE credit_counters (
    tenant_id text NOT NULL,
    account_id uuid NOT NULL,
    counter text NOT NULL,
    period text NOT NULL CHECK (period IN ('MINUTE', 'HOUR', 'DAY', 'WEEK', 'MONTH')),
    window_start timestamptz NOT NULL,
    value numeric(20, 8) NOT NULL,
    PRIMARY KEY (tenant_id, account_id, counter, period, window_start)
);
SELECT enable_tenant_isolation('credit_counters');
