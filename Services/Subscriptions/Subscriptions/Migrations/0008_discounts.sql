-- A subscription's coupon (issue 26): the store's DiscountSnapshot (coupon terms as redeemed, and the periods it covers).
ALTER TABLE subscriptions ADD COLUMN discount jsonb;
