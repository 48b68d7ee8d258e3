-- What has been refunded of each payment; the check is the last wall against refunding more than was paid.
ALTER TABLE payments ADD COLUMN refunded_minor bigint NOT NULL DEFAULT 0;
ALTER TABLE payments ADD CONSTRAINT payments_refund_within_amount CHECK (refunded_minor >= 0 AND refunded_minor <= amount_minor);

-- Refunds (PAYMENTS_REFUND): append-only.
CREATE TABLE refunds (
    tenant_id text NOT NULL,
    id uuid NOT NULL,
    payment_id uuid NOT NULL,
    amount_minor bigint NOT NULL CHECK (amount_minor > 0),
    reason text,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, payment_id) REFERENCES payments (tenant_id, id)
);
SELECT enable_tenant_isolation('refunds');

-- The overdue scheduler's queue.
CREATE INDEX invoices_pending_due ON invoices (due_at) WHERE status = 'PENDING';
