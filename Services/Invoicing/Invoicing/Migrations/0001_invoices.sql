-- Invoices (seeds 000, 001). The invoice is loaded and saved whole as `document` (the contract's `Invoice`); the columns
-- beside it are what queries filter on and what the database checks on its own.
CREATE TABLE invoices (
    tenant_id text NOT NULL,
    id uuid NOT NULL,
    billing_account_id uuid NOT NULL,
    number text,
    status text NOT NULL CHECK (status IN ('DRAFT', 'PENDING', 'PAID', 'OVERDUE', 'CANCELED', 'VOID')),
    total_minor bigint NOT NULL CHECK (total_minor >= 0),
    amount_paid_minor bigint NOT NULL CHECK (amount_paid_minor >= 0 AND amount_paid_minor <= total_minor),
    due_at timestamptz,
    document jsonb NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, number),
    CHECK ((number IS NULL) = (status IN ('DRAFT', 'CANCELED')))
);
SELECT enable_tenant_isolation('invoices');
CREATE INDEX invoices_account ON invoices (tenant_id, billing_account_id, id);

-- The last number given per tenant and year: finalize takes the next one in its own transaction, so numbers have no gaps.
CREATE TABLE invoice_counters (
    tenant_id text NOT NULL,
    year integer NOT NULL,
    last_number bigint NOT NULL,
    PRIMARY KEY (tenant_id, year)
);
SELECT enable_tenant_isolation('invoice_counters');

-- Payments (seed 001): append-only rows; an external reference is recorded once per tenant.
CREATE TABLE payments (
    tenant_id text NOT NULL,
    id uuid NOT NULL,
    invoice_id uuid NOT NULL,
    billing_account_id uuid NOT NULL,
    amount_minor bigint NOT NULL CHECK (amount_minor >= 0),
    currency char(3) NOT NULL,
    payment_method text NOT NULL CHECK (payment_method IN ('PIX', 'CARD')),
    external_ref text,
    status text NOT NULL CHECK (status IN ('PENDING', 'PROCESSING', 'COMPLETED', 'FAILED', 'REFUNDED')),
    created_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices (tenant_id, id)
);
SELECT enable_tenant_isolation('payments');
CREATE UNIQUE INDEX payments_external_ref ON payments (tenant_id, external_ref) WHERE external_ref IS NOT NULL;
