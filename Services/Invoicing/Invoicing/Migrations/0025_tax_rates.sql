-- Tax rates (issue 26, Stripe's TaxRate with the Brazilian withholdings): a percentage (above 0, below 100, at most 4 decimals)
-- of the invoice lines whose tax code it lists (none: every taxable line), inclusive (inside the prices) or exclusive (added);
-- a withholding rate (PIS, COFINS, CSLL, IRRF) is withheld by a company buyer, so it is never inclusive. The terms are fixed
-- once created (a change is a new rate, the old one deactivated); only active rates apply to invoices finalized from then on.
CREATE TABLE tax_rates (
    tenant_id text NOT NULL,
    id uuid NOT NULL,
    name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    description text,
    percentage numeric NOT NULL CHECK (percentage > 0 AND percentage < 100 AND scale(percentage) <= 4),
    inclusive boolean NOT NULL,
    jurisdiction text CHECK (char_length(jurisdiction) <= 100),
    tax_codes text[] NOT NULL DEFAULT '{}' CHECK (cardinality(tax_codes) <= 50),
    withholding text CHECK (withholding IN ('PIS', 'COFINS', 'CSLL', 'IRRF')),
    active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CHECK (withholding IS NULL OR NOT inclusive)
);
SELECT enable_tenant_isolation('tax_rates');
-- What finalization applies: the tenant's active rates, oldest first.
CREATE INDEX tax_rates_active ON tax_rates (tenant_id, id) WHERE active;

-- The tenant (the provider) on Simples Nacional: no federal withholding on its invoices; and the tax code of invoice lines whose
-- plan, add-on or product names none.
ALTER TABLE invoice_settings
    ADD COLUMN simples_nacional boolean NOT NULL DEFAULT false,
    ADD COLUMN default_tax_code text CHECK (default_tax_code ~ '^[A-Za-z0-9._-]{1,32}$');
