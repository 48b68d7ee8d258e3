-- Coupons and promotion codes (issue 26) are catalog items; their redemptions are counted here, one per reference (what the
-- redemption is for), so that a retried subscription counts once and maxRedemptions holds under concurrency (the coupon's
-- item row is locked while counting).
ALTER TABLE catalog_items DROP CONSTRAINT catalog_items_kind_check;
ALTER TABLE catalog_items ADD CONSTRAINT catalog_items_kind_check
    CHECK (kind IN ('product', 'plan', 'addon', 'meter', 'ai_model', 'credit_package', 'coupon', 'promotion_code'));

CREATE TABLE coupon_redemptions (
    tenant_id text NOT NULL,
    reference text NOT NULL CHECK (length(reference) BETWEEN 1 AND 200),
    coupon_id uuid NOT NULL,
    coupon_version integer NOT NULL,
    promotion_code_id uuid,
    billing_account_id uuid NOT NULL,
    redeemed_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, reference),
    FOREIGN KEY (tenant_id, coupon_id) REFERENCES catalog_items (tenant_id, id),
    FOREIGN KEY (tenant_id, promotion_code_id) REFERENCES catalog_items (tenant_id, id)
);
CREATE INDEX coupon_redemptions_by_coupon ON coupon_redemptions (tenant_id, coupon_id);
CREATE INDEX coupon_redemptions_by_code ON coupon_redemptions (tenant_id, promotion_code_id) WHERE promotion_code_id IS NOT NULL;
SELECT enable_tenant_isolation('coupon_redemptions');
