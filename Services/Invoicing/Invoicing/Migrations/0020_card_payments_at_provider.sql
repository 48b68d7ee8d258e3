-- A card charge the provider has not decided yet (the customer authenticates it with 3-D Secure, or the provider is still
-- processing it) waits PROCESSING with the provider's charge id in external_ref and, for 3-D Secure, the URL the customer
-- finishes at. The provider's webhook decides it; a job reads the charge back when no webhook came (checked_at: when it last
-- asked).
ALTER TABLE payments
    ADD COLUMN next_action_url text,
    ADD COLUMN checked_at timestamptz;
CREATE INDEX payments_at_provider ON payments (coalesce(checked_at, created_at))
    WHERE status = 'PROCESSING' AND payment_method = 'CARD' AND external_ref IS NOT NULL;
