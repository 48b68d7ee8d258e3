-- How each tax line is rounded to the currency (issue 26: half-even unless the tenant says otherwise).
ALTER TABLE invoice_settings
    ADD COLUMN tax_rounding text NOT NULL DEFAULT 'HALF_EVEN'
        CHECK (tax_rounding IN ('HALF_EVEN', 'HALF_UP', 'CEILING', 'FLOOR', 'TOWARD_ZERO'));
