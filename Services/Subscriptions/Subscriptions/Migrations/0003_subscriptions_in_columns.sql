-- Subscriptions in columns and a child table of add-ons instead of the contract's `Subscription` stored whole as `document`
-- (issue 21). The plan version a subscription keeps (and the one a scheduled change moves to) is the store's own snapshot
-- type in jsonb: a copy of catalog data read only with its subscription; its plan id and version are columns. Keys lead
-- with tenant_id.
ALTER TABLE subscriptions
    ADD COLUMN plan_id text,
    ADD COLUMN plan_version integer,
    ADD COLUMN plan_snapshot jsonb,
    ADD COLUMN timezone text,
    ADD COLUMN start_date timestamptz,
    ADD COLUMN trial_start timestamptz,
    ADD COLUMN trial_end timestamptz,
    ADD COLUMN billing_anchor timestamptz,
    ADD COLUMN cancel_at_period_end boolean,
    ADD COLUMN canceled_at timestamptz,
    ADD COLUMN cancel_reason text,
    ADD COLUMN ended_at timestamptz,
    ADD COLUMN paused_at timestamptz,
    ADD COLUMN past_due_since timestamptz,
    ADD COLUMN scheduled_plan jsonb,
    ADD COLUMN scheduled_quantity integer,
    ADD COLUMN scheduled_effective_at timestamptz;

-- The snapshot keeps the names the document used, so it is copied as it is.
UPDATE subscriptions SET
    plan_id = document->>'planId',
    plan_version = (document->>'planVersion')::integer,
    plan_snapshot = document->'plan',
    timezone = document->>'timezone',
    start_date = (document->>'startDate')::timestamptz,
    trial_start = (document->>'trialStart')::timestamptz,
    trial_end = (document->>'trialEnd')::timestamptz,
    billing_anchor = (document->>'billingAnchor')::timestamptz,
    cancel_at_period_end = (document->>'cancelAtPeriodEnd')::boolean,
    canceled_at = (document->>'canceledAt')::timestamptz,
    cancel_reason = document->>'cancelReason',
    ended_at = (document->>'endedAt')::timestamptz,
    paused_at = (document->>'pausedAt')::timestamptz,
    past_due_since = (document->>'pastDueSince')::timestamptz,
    scheduled_plan = document->'scheduledChange'->'plan',
    scheduled_quantity = (document->'scheduledChange'->>'quantity')::integer,
    scheduled_effective_at = (document->'scheduledChange'->>'effectiveAt')::timestamptz;

ALTER TABLE subscriptions
    ALTER COLUMN plan_id SET NOT NULL,
    ALTER COLUMN plan_version SET NOT NULL,
    ALTER COLUMN plan_snapshot SET NOT NULL,
    ALTER COLUMN timezone SET NOT NULL,
    ALTER COLUMN start_date SET NOT NULL,
    ALTER COLUMN billing_anchor SET NOT NULL,
    ALTER COLUMN cancel_at_period_end SET NOT NULL,
    ADD CONSTRAINT subscriptions_plan_version CHECK (plan_version >= 1),
    ADD CONSTRAINT subscriptions_trial CHECK (trial_end IS NULL OR trial_start IS NULL OR trial_end >= trial_start),
    -- A scheduled change has its date, and changes a plan or a quantity.
    ADD CONSTRAINT subscriptions_scheduled_change CHECK (
        (scheduled_effective_at IS NULL AND scheduled_plan IS NULL AND scheduled_quantity IS NULL)
        OR (scheduled_effective_at IS NOT NULL)),
    ADD CONSTRAINT subscriptions_scheduled_quantity CHECK (scheduled_quantity IS NULL OR scheduled_quantity > 0);

CREATE TABLE subscription_addons (
    tenant_id text NOT NULL,
    subscription_id uuid NOT NULL,
    position integer NOT NULL CHECK (position >= 0),
    addon_id text NOT NULL,
    addon_version integer NOT NULL,
    code text NOT NULL,
    name text NOT NULL,
    feature_flag text NOT NULL,
    price numeric NOT NULL CHECK (price >= 0),
    status text NOT NULL CHECK (status IN ('PENDING', 'ACTIVE', 'CANCELED')),
    cancel_at_period_end boolean NOT NULL,
    activated_at timestamptz,
    canceled_at timestamptz,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, subscription_id, position),
    FOREIGN KEY (tenant_id, subscription_id) REFERENCES subscriptions (tenant_id, id) ON DELETE CASCADE
);
SELECT enable_tenant_isolation('subscription_addons');
CREATE INDEX subscription_addons_addon ON subscription_addons (tenant_id, addon_id);

INSERT INTO subscription_addons (
    tenant_id, subscription_id, position, addon_id, addon_version, code, name, feature_flag, price, status, cancel_at_period_end,
    activated_at, canceled_at, created_at)
SELECT s.tenant_id, s.id, (n - 1)::integer, a->>'addonId', (a->>'addonVersion')::integer, a->>'code', a->>'name', a->>'featureFlag',
       (a->>'price')::numeric, a->>'status', (a->>'cancelAtPeriodEnd')::boolean, (a->>'activatedAt')::timestamptz,
       (a->>'canceledAt')::timestamptz, (a->>'createdAt')::timestamptz
FROM subscriptions s, jsonb_array_elements(s.document->'addons') WITH ORDINALITY AS e(a, n);

ALTER TABLE subscriptions DROP COLUMN document;

-- The list filters: status, and subscriptions of a plan.
CREATE INDEX subscriptions_status ON subscriptions (tenant_id, status, id);
CREATE INDEX subscriptions_plan ON subscriptions (tenant_id, plan_id, plan_version);
