-- Cards an account saved with a provider (the provider's token, never card numbers): auto-recharge charges the default one.
CREATE TABLE payment_methods (
    tenant_id text NOT NULL,
    id uuid NOT NULL,
    billing_account_id uuid NOT NULL,
    provider text NOT NULL,
    token text NOT NULL,
    label text,
    is_default boolean NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
SELECT enable_tenant_isolation('payment_methods');
CREATE UNIQUE INDEX payment_methods_one_default ON payment_methods (tenant_id, billing_account_id) WHERE is_default;
