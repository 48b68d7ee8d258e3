-- PIX charges at the tenant's PSP (API Pix): one per invoice and amount due, named by a txid derived from the invoice (its
-- id in hex and a three-digit sequence), so creating it again at the PSP is the same charge. A charge is QUEUED in the
-- transaction that makes the invoice payable and created at the PSP afterwards, with no row locked (a job retries what a
-- crash or an outage left queued); ACTIVE once the PSP holds it (its location is what the dynamic BR Code points at);
-- COMPLETED when paid, EXPIRED when it lapsed unpaid, REMOVED when the invoice no longer waits for it.
CREATE TABLE pix_charges (
    tenant_id text NOT NULL,
    txid text NOT NULL CHECK (txid ~ '^[a-zA-Z0-9]{26,35}$'),
    invoice_id uuid NOT NULL,
    amount_minor bigint NOT NULL CHECK (amount_minor > 0),
    due_date date,
    status text NOT NULL CHECK (status IN ('QUEUED', 'ACTIVE', 'COMPLETED', 'EXPIRED', 'REMOVED')),
    location text,
    expires_at timestamptz,
    attempt_after timestamptz,
    last_error text,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, txid),
    CHECK (status <> 'ACTIVE' OR (location IS NOT NULL AND expires_at IS NOT NULL))
);
SELECT enable_tenant_isolation('pix_charges');
-- The PSP's notifications name the txid only: it finds the tenant (and is unique across tenants, being the invoice's).
CREATE UNIQUE INDEX pix_charges_txid ON pix_charges (txid);
CREATE INDEX pix_charges_invoice ON pix_charges (tenant_id, invoice_id, created_at);
CREATE INDEX pix_charges_queued ON pix_charges (attempt_after) WHERE status = 'QUEUED';
CREATE INDEX pix_charges_expiring ON pix_charges (expires_at) WHERE status = 'ACTIVE';

-- How far back received PIX were reconciled with the PSP (`GET /pix`), per provider.
CREATE TABLE pix_reconciliations (
    provider text PRIMARY KEY,
    checked_until timestamptz NOT NULL
);

-- The tenant's terms for charges with a due date (cobv): a fine once after the due date and interest a month, in percent.
ALTER TABLE invoice_settings
    ADD COLUMN pix_fine_percent numeric(7, 4) CHECK (pix_fine_percent IS NULL OR pix_fine_percent BETWEEN 0 AND 100),
    ADD COLUMN pix_monthly_interest_percent numeric(7, 4)
        CHECK (pix_monthly_interest_percent IS NULL OR pix_monthly_interest_percent BETWEEN 0 AND 100);

-- A refund of money a provider holds is settled there: a PIX refund (devolução, `PUT /pix/{e2eid}/devolucao/{id}`, the id
-- derived from the refund's) is PROCESSING until the PSP reports it REFUNDED (DEVOLVIDO) or NOT_DONE (NAO_REALIZADO, with
-- its reason). NULL: a refund recorded with no provider to ask (money returned by other means).
ALTER TABLE refunds
    ADD COLUMN settlement text CHECK (settlement IN ('PROCESSING', 'REFUNDED', 'NOT_DONE')),
    ADD COLUMN settlement_reason text,
    ADD COLUMN settlement_checked_at timestamptz;
CREATE INDEX refunds_settling ON refunds (settlement_checked_at) WHERE settlement = 'PROCESSING';
