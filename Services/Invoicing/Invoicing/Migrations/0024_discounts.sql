-- A coupon in force discounts a subscription's lines with a DISCOUNT line after each (issue 26).
ALTER TABLE invoice_lines
    DROP CONSTRAINT invoice_lines_kind_check,
    ADD CONSTRAINT invoice_lines_kind_check CHECK (kind IN (
        'SUBSCRIPTION', 'TRIAL', 'ADDON', 'PRORATION', 'USAGE', 'CREDIT_OVERAGE', 'CREDIT_PACKAGE', 'ACCOUNT_CREDIT', 'ONE_OFF',
        'INVOICE_ITEM', 'MINIMUM_TRUE_UP', 'DISCOUNT'));
