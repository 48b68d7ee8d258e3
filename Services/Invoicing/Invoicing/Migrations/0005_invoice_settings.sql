-- A tenant's invoicing settings: whether period invoices drafted from subscription events are finalized at once, and the
-- net terms new invoices get.
CREATE TABLE invoice_settings (
    tenant_id text PRIMARY KEY,
    auto_finalize boolean NOT NULL,
    net_terms_days integer NOT NULL CHECK (net_terms_days BETWEEN 0 AND 365),
    updated_at timestamptz NOT NULL
);
SELECT enable_tenant_isolation('invoice_settings');
