-- Credit notes (issue 26, Stripe's and Lago's): part or all of a finalized invoice taken back, numbered NC-2027-000001 gapless per
-- tenant and year (the `NC-` series of invoice_counters; test accounts `TEST-NC-`). Amounts in minor units of the invoice's
-- currency: the total first reduces what is due (pre_payment), the rest is refunded, put in account credit or returned out of band.
-- An unpaid invoice that notes credit to zero is CREDITED (VOID-like: nothing is collected).
ALTER TABLE invoices
    DROP CONSTRAINT invoices_status_check,
    ADD CONSTRAINT invoices_status_check CHECK (status IN ('DRAFT', 'PENDING', 'PAID', 'OVERDUE', 'CANCELED', 'VOID', 'CREDITED'));

CREATE TABLE credit_notes (
    tenant_id text NOT NULL,
    id uuid NOT NULL,
    number text NOT NULL,
    invoice_id uuid NOT NULL,
    billing_account_id uuid NOT NULL,
    currency char(3) NOT NULL,
    reason text CHECK (reason IN ('DUPLICATE', 'PRODUCT_UNSATISFACTORY', 'ORDER_CHANGE', 'OTHER')),
    memo text CHECK (char_length(memo) <= 1000),
    total_minor bigint NOT NULL CHECK (total_minor > 0),
    pre_payment_minor bigint NOT NULL CHECK (pre_payment_minor >= 0),
    refund_minor bigint NOT NULL CHECK (refund_minor >= 0),
    credit_minor bigint NOT NULL CHECK (credit_minor >= 0),
    out_of_band_minor bigint NOT NULL CHECK (out_of_band_minor >= 0),
    invoice_status text NOT NULL,
    invoice_amount_due_minor bigint NOT NULL,
    livemode boolean NOT NULL,
    created_by text,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, number),
    FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices (tenant_id, id),
    CHECK (total_minor = pre_payment_minor + refund_minor + credit_minor + out_of_band_minor)
);
SELECT enable_tenant_isolation('credit_notes');
CREATE INDEX credit_notes_invoice ON credit_notes (tenant_id, invoice_id, id);
CREATE INDEX credit_notes_account ON credit_notes (tenant_id, billing_account_id, id);

-- invoice_line_position NULL: the invoice credited as a whole.
CREATE TABLE credit_note_lines (
    tenant_id text NOT NULL,
    credit_note_id uuid NOT NULL,
    position integer NOT NULL CHECK (position >= 0),
    invoice_id uuid NOT NULL,
    invoice_line_position integer CHECK (invoice_line_position >= 0),
    invoice_line_id uuid,
    description text NOT NULL,
    quantity numeric,
    unit_amount numeric,
    amount_minor bigint NOT NULL CHECK (amount_minor > 0),
    PRIMARY KEY (tenant_id, credit_note_id, position),
    FOREIGN KEY (tenant_id, credit_note_id) REFERENCES credit_notes (tenant_id, id)
);
SELECT enable_tenant_isolation('credit_note_lines');
CREATE INDEX credit_note_lines_invoice ON credit_note_lines (tenant_id, invoice_id);

-- The refunds a note made of the invoice's payments (through the refund path, so each is a `refunds` row too).
CREATE TABLE credit_note_refunds (
    tenant_id text NOT NULL,
    credit_note_id uuid NOT NULL,
    refund_id uuid NOT NULL,
    payment_id uuid NOT NULL,
    PRIMARY KEY (tenant_id, credit_note_id, refund_id),
    FOREIGN KEY (tenant_id, credit_note_id) REFERENCES credit_notes (tenant_id, id),
    FOREIGN KEY (tenant_id, refund_id) REFERENCES refunds (tenant_id, id)
);
SELECT enable_tenant_isolation('credit_note_refunds');
