-- Billing accounts (seed 001 "Contas de faturamento").
CREATE TABLE billing_accounts (
    tenant_id text NOT NULL,
    id uuid NOT NULL,
    name text NOT NULL,
    email text NOT NULL,
    currency char(3) NOT NULL,
    tax_id text,
    tax_id_type text CHECK (tax_id_type IN ('CPF', 'CNPJ', 'OTHER')),
    timezone text NOT NULL DEFAULT 'UTC',
    metadata jsonb NOT NULL DEFAULT '{}',
    status text NOT NULL CHECK (status IN ('ACTIVE', 'SUSPENDED', 'CLOSED')),
    status_reason text,
    balance_minor bigint NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    closed_at timestamptz,
    PRIMARY KEY (tenant_id, id),
    CHECK ((tax_id IS NULL) = (tax_id_type IS NULL))
);

-- One open account per tax id and tenant; closed accounts free it.
CREATE UNIQUE INDEX billing_accounts_open_tax_id ON billing_accounts (tenant_id, tax_id_type, tax_id)
    WHERE status <> 'CLOSED' AND tax_id IS NOT NULL;
CREATE INDEX billing_accounts_email ON billing_accounts (tenant_id, lower(email));
CREATE INDEX billing_accounts_status ON billing_accounts (tenant_id, status, id);

SELECT enable_tenant_isolation('billing_accounts');
