-- The ledger's read model of billing accounts: fed by billing.account.* events, filled over RPC on a miss.
-- source_updated_at is the account's updatedAt, so older news never overwrites newer.
CREATE TABLE ledger_accounts (
    tenant_id text NOT NULL,
    id uuid NOT NULL,
    status text NOT NULL CHECK (status IN ('ACTIVE', 'SUSPENDED', 'CLOSED')),
    timezone text NOT NULL,
    source_updated_at timestamptz NOT NULL,
    -- Usage events before this instant are refused (their period is being or was invoiced).
    closed_until timestamptz,
    PRIMARY KEY (tenant_id, id)
);
SELECT enable_tenant_isolation('ledger_accounts');

-- Meters as the catalog defines them. How a meter counts cannot change once created, so rows never go stale.
CREATE TABLE ledger_meters (
    tenant_id text NOT NULL,
    id uuid NOT NULL,
    code text NOT NULL,
    aggregation text NOT NULL CHECK (aggregation IN ('COUNT', 'SUM', 'MAX', 'LAST', 'AVERAGE', 'COUNT_DISTINCT')),
    property text,
    filters jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX ledger_meters_code ON ledger_meters (tenant_id, code);
SELECT enable_tenant_isolation('ledger_meters');

-- Every accepted usage event, once per client event id and tenant.
CREATE TABLE usage_events (
    tenant_id text NOT NULL,
    event_id text NOT NULL,
    account_id uuid NOT NULL,
    meter_id uuid NOT NULL,
    occurred_at timestamptz NOT NULL,
    received_at timestamptz NOT NULL,
    -- False when the meter's filters leave the event out.
    counted boolean NOT NULL,
    -- What SUM, MAX, LAST and AVERAGE aggregate; what COUNT_DISTINCT counts.
    value numeric,
    distinct_key text,
    properties jsonb,
    PRIMARY KEY (tenant_id, event_id)
);
CREATE INDEX usage_events_by_meter ON usage_events (tenant_id, account_id, meter_id, occurred_at);
SELECT enable_tenant_isolation('usage_events');

-- Hourly pre-aggregates of counted events. A batch adds to one of a few slots of the hour, chosen at random, so
-- concurrent writers of the same account and meter rarely wait on each other; readers add the slots up.
CREATE TABLE usage_aggregates (
    tenant_id text NOT NULL,
    account_id uuid NOT NULL,
    meter_id uuid NOT NULL,
    bucket_start timestamptz NOT NULL,
    slot smallint NOT NULL,
    event_count bigint NOT NULL,
    value_sum numeric NOT NULL,
    value_max numeric,
    last_at timestamptz,
    last_event_id text,
    last_value numeric,
    PRIMARY KEY (tenant_id, account_id, meter_id, bucket_start, slot)
);
SELECT enable_tenant_isolation('usage_aggregates');

-- COUNT_DISTINCT's keys per hour (distinct counts do not add up, so the keys are kept).
CREATE TABLE usage_distinct_keys (
    tenant_id text NOT NULL,
    account_id uuid NOT NULL,
    meter_id uuid NOT NULL,
    bucket_start timestamptz NOT NULL,
    distinct_key text NOT NULL,
    PRIMARY KEY (tenant_id, account_id, meter_id, bucket_start, distinct_key)
);
SELECT enable_tenant_isolation('usage_distinct_keys');
