-- Each subscription's recurring revenue over time, for the revenue reports (issue 26): a row whenever the MRR a subscription
-- counts for changes, written by the statement that stores the subscription (`RevenueHistory.record`). `annual` is the run rate
-- (the period's price × quantity + active add-ons, × periods a year; 0 while TRIAL, PAUSED, CANCELED or EXPIRED), exact: the
-- MRR is annual ÷ 12, rounded only when shown. A subscription's MRR at an instant is the `annual` of its latest recorded row
-- (`seq`) among those effective by then. Append-only.
CREATE TABLE subscription_mrr (
    tenant_id text NOT NULL,
    seq bigint GENERATED ALWAYS AS IDENTITY,
    subscription_id uuid NOT NULL,
    billing_account_id uuid NOT NULL,
    currency text NOT NULL,
    annual numeric NOT NULL CHECK (annual >= 0),
    effective_at timestamptz NOT NULL,
    test_clock_id uuid,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, seq)
);
SELECT enable_tenant_isolation('subscription_mrr');
CREATE INDEX subscription_mrr_subscription ON subscription_mrr (tenant_id, subscription_id, seq DESC);
CREATE INDEX subscription_mrr_effective ON subscription_mrr (tenant_id, effective_at);

-- Backfill from the subscriptions as they stand (their history before this migration is not known): the current terms from the
-- first paid instant (the start, or the trial's end), and 0 from the end or the pause of those that stopped.
INSERT INTO subscription_mrr (tenant_id, subscription_id, billing_account_id, currency, annual, effective_at, test_clock_id)
WITH backfill AS (
    SELECT s.tenant_id, s.id, s.billing_account_id, s.plan_snapshot->>'currency' AS currency, s.test_clock_id,
           GREATEST(s.start_date, COALESCE(s.trial_end, s.start_date)) AS paid_from,
           CASE s.status WHEN 'PAUSED' THEN s.paused_at WHEN 'CANCELED' THEN s.ended_at WHEN 'EXPIRED' THEN s.ended_at END AS stopped_at,
           ((s.plan_snapshot->>'unitPrice')::numeric * s.quantity
            + COALESCE((SELECT sum(a.price) FROM subscription_addons a
                        WHERE a.tenant_id = s.tenant_id AND a.subscription_id = s.id
                          AND (a.status = 'ACTIVE' OR (s.status IN ('CANCELED', 'EXPIRED') AND a.canceled_at >= s.ended_at))), 0))
           * CASE s.plan_snapshot->>'billingInterval'
                 WHEN 'DAILY' THEN 365 WHEN 'WEEKLY' THEN 52 WHEN 'MONTHLY' THEN 12 WHEN 'QUARTERLY' THEN 4 ELSE 1 END AS annual
    FROM subscriptions s
    WHERE s.status <> 'TRIAL'
)
SELECT tenant_id, id, billing_account_id, currency, annual, paid_from, test_clock_id
FROM backfill
WHERE annual > 0 AND (stopped_at IS NULL OR stopped_at > paid_from)
ORDER BY paid_from;

-- Then (later rows win) 0 from the end or the pause.
INSERT INTO subscription_mrr (tenant_id, subscription_id, billing_account_id, currency, annual, effective_at, test_clock_id)
WITH backfill AS (
    SELECT s.tenant_id, s.id, s.billing_account_id, s.plan_snapshot->>'currency' AS currency, s.test_clock_id,
           GREATEST(s.start_date, COALESCE(s.trial_end, s.start_date)) AS paid_from,
           CASE s.status WHEN 'PAUSED' THEN s.paused_at WHEN 'CANCELED' THEN s.ended_at WHEN 'EXPIRED' THEN s.ended_at END AS stopped_at,
           ((s.plan_snapshot->>'unitPrice')::numeric * s.quantity
            + COALESCE((SELECT sum(a.price) FROM subscription_addons a
                        WHERE a.tenant_id = s.tenant_id AND a.subscription_id = s.id
                          AND (a.status = 'ACTIVE' OR (s.status IN ('CANCELED', 'EXPIRED') AND a.canceled_at >= s.ended_at))), 0))
           * CASE s.plan_snapshot->>'billingInterval'
                 WHEN 'DAILY' THEN 365 WHEN 'WEEKLY' THEN 52 WHEN 'MONTHLY' THEN 12 WHEN 'QUARTERLY' THEN 4 ELSE 1 END AS annual
    FROM subscriptions s
    WHERE s.status <> 'TRIAL'
)
SELECT tenant_id, id, billing_account_id, currency, 0, stopped_at, test_clock_id
FROM backfill
WHERE annual > 0 AND stopped_at IS NOT NULL AND stopped_at > paid_from
ORDER BY stopped_at;
