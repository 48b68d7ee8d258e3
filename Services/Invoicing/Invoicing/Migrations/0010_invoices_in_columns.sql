-- Invoices in columns and child tables instead of the contract's `Invoice` stored whole as `document` (issue 21): a change to
-- the wire type is no longer a data migration, the database checks amounts and statuses itself, and reports read columns.
-- Lines (and the proration lines waiting for an invoice) get their own tables; the credit packages an invoice sells and the
-- add-ons it activates, read only with their invoice, are jsonb of the store's own row types. Keys lead with tenant_id.
ALTER TABLE invoices
    ADD COLUMN currency char(3),
    ADD COLUMN amount_due_minor bigint,
    ADD COLUMN subscription_id uuid,
    ADD COLUMN period_start timestamptz,
    ADD COLUMN period_end timestamptz,
    ADD COLUMN net_terms_days integer,
    ADD COLUMN finalized_at timestamptz,
    ADD COLUMN paid_at timestamptz,
    ADD COLUMN voided_at timestamptz,
    ADD COLUMN payment_attempts integer,
    ADD COLUMN next_payment_attempt_at timestamptz,
    ADD COLUMN credit_purchases jsonb,
    ADD COLUMN addon_activations jsonb;

-- Money in `document` is `{"amount": "299.90", "currency": "BRL"}` with exactly the currency's decimal places, so its minor
-- units are the amount's digits.
UPDATE invoices SET
    currency = document->>'currency',
    amount_due_minor = replace(document->'amountDue'->>'amount', '.', '')::bigint,
    subscription_id = (document->>'subscriptionId')::uuid,
    period_start = (document->>'periodStart')::timestamptz,
    period_end = (document->>'periodEnd')::timestamptz,
    net_terms_days = (document->>'netTermsDays')::integer,
    finalized_at = (document->>'finalizedAt')::timestamptz,
    paid_at = (document->>'paidAt')::timestamptz,
    voided_at = (document->>'voidedAt')::timestamptz,
    payment_attempts = (document->>'paymentAttempts')::integer,
    next_payment_attempt_at = (document->>'nextPaymentAttempt')::timestamptz,
    credit_purchases = (
        SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
            'packageCode', p->>'packageCode', 'credits', p->>'credits', 'validityDays', (p->>'validityDays')::integer,
            'rechargeRequestId', p->>'rechargeRequestId')) ORDER BY n)
        FROM jsonb_array_elements(document->'creditPurchases') WITH ORDINALITY AS e(p, n)),
    addon_activations = (
        SELECT jsonb_agg(jsonb_build_object('subscriptionId', a->>'subscriptionId', 'addonId', a->>'addonId') ORDER BY n)
        FROM jsonb_array_elements(document->'addonActivations') WITH ORDINALITY AS e(a, n));

ALTER TABLE invoices
    ALTER COLUMN currency SET NOT NULL,
    ALTER COLUMN amount_due_minor SET NOT NULL,
    ALTER COLUMN net_terms_days SET NOT NULL,
    ADD CONSTRAINT invoices_amount_due CHECK (amount_due_minor >= 0 AND amount_due_minor <= total_minor),
    ADD CONSTRAINT invoices_net_terms CHECK (net_terms_days BETWEEN 0 AND 365),
    ADD CONSTRAINT invoices_period CHECK (period_end IS NULL OR period_start IS NULL OR period_end >= period_start),
    ADD CONSTRAINT invoices_payment_attempts CHECK (payment_attempts IS NULL OR payment_attempts >= 0);

CREATE TABLE invoice_lines (
    tenant_id text NOT NULL,
    invoice_id uuid NOT NULL,
    position integer NOT NULL CHECK (position >= 0),
    kind text NOT NULL CHECK (kind IN (
        'SUBSCRIPTION', 'TRIAL', 'ADDON', 'PRORATION', 'USAGE', 'CREDIT_OVERAGE', 'CREDIT_PACKAGE', 'ACCOUNT_CREDIT')),
    description text NOT NULL,
    -- Metered quantities may be fractional, and a usage tier's unit price finer than the currency's minor unit.
    quantity numeric NOT NULL,
    unit_amount numeric NOT NULL,
    amount_minor bigint NOT NULL,
    period_start timestamptz,
    period_end timestamptz,
    subscription_id uuid,
    meter_code text,
    tier integer CHECK (tier IS NULL OR tier >= 1),
    PRIMARY KEY (tenant_id, invoice_id, position),
    FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices (tenant_id, id) ON DELETE CASCADE
);
SELECT enable_tenant_isolation('invoice_lines');

INSERT INTO invoice_lines (
    tenant_id, invoice_id, position, kind, description, quantity, unit_amount, amount_minor, period_start, period_end,
    subscription_id, meter_code, tier)
SELECT i.tenant_id, i.id, (n - 1)::integer, l->>'kind', l->>'description', (l->>'quantity')::numeric, (l->>'unitAmount')::numeric,
       replace(l->'amount'->>'amount', '.', '')::bigint, (l->>'periodStart')::timestamptz, (l->>'periodEnd')::timestamptz,
       (l->>'subscriptionId')::uuid, l->>'meterCode', (l->>'tier')::integer
FROM invoices i, jsonb_array_elements(i.document->'lines') WITH ORDINALITY AS e(l, n);

ALTER TABLE invoices DROP COLUMN document;

-- The list filters and the next draft of a subscription's period.
CREATE INDEX invoices_status ON invoices (tenant_id, status, id);
CREATE INDEX invoices_subscription_period ON invoices (tenant_id, subscription_id, period_start) WHERE status = 'DRAFT';

-- Proration lines waiting for their invoice, in columns too.
ALTER TABLE pending_lines
    ADD COLUMN kind text,
    ADD COLUMN description text,
    ADD COLUMN quantity numeric,
    ADD COLUMN unit_amount numeric,
    ADD COLUMN amount_minor bigint,
    ADD COLUMN currency char(3),
    ADD COLUMN period_start timestamptz,
    ADD COLUMN period_end timestamptz,
    ADD COLUMN line_subscription_id uuid,
    ADD COLUMN meter_code text,
    ADD COLUMN tier integer;
UPDATE pending_lines SET
    kind = line->>'kind', description = line->>'description', quantity = (line->>'quantity')::numeric,
    unit_amount = (line->>'unitAmount')::numeric, amount_minor = replace(line->'amount'->>'amount', '.', '')::bigint,
    currency = line->'amount'->>'currency', period_start = (line->>'periodStart')::timestamptz,
    period_end = (line->>'periodEnd')::timestamptz, line_subscription_id = (line->>'subscriptionId')::uuid,
    meter_code = line->>'meterCode', tier = (line->>'tier')::integer;
ALTER TABLE pending_lines
    ALTER COLUMN kind SET NOT NULL,
    ALTER COLUMN description SET NOT NULL,
    ALTER COLUMN quantity SET NOT NULL,
    ALTER COLUMN unit_amount SET NOT NULL,
    ALTER COLUMN amount_minor SET NOT NULL,
    ALTER COLUMN currency SET NOT NULL,
    DROP COLUMN line;
