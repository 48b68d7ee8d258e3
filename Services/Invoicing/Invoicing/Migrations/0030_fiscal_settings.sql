-- NFS-e Nacional (issue 29): the tenant as an issuer (its FiscalProvider), one row per tenant. The A1 certificate (PKCS#12) and
-- its password are sealed (AES-256-GCM, the key from the deployment's BILLING_INVOICING_SECRETS_KEY, the tenant and the column
-- bound as authenticated data): never stored in the clear, never returned.
CREATE TABLE fiscal_settings (
    tenant_id text PRIMARY KEY,
    cnpj text NOT NULL CHECK (cnpj ~ '^[0-9]{14}$'),
    municipal_registration text CHECK (char_length(municipal_registration) BETWEEN 1 AND 15),
    municipality_code text NOT NULL CHECK (municipality_code ~ '^[0-9]{7}$'),
    national_service_code text NOT NULL CHECK (national_service_code ~ '^[0-9]{6}$'),
    municipal_service_code text CHECK (municipal_service_code ~ '^[0-9]{3}$'),
    iss_rate numeric(5, 2) CHECK (iss_rate BETWEEN 2 AND 5),
    simples_nacional text NOT NULL CHECK (simples_nacional IN ('NONE', 'MEI', 'ME_EPP')),
    environment text NOT NULL CHECK (environment IN ('HOMOLOGACAO', 'PRODUCAO')),
    issue_on text NOT NULL CHECK (issue_on IN ('PAID', 'FINALIZED')),
    series text NOT NULL CHECK (series ~ '^[0-9]{1,5}$'),
    certificate_sealed text NOT NULL CHECK (certificate_sealed LIKE 'v1:%'),
    certificate_password_sealed text NOT NULL CHECK (certificate_password_sealed LIKE 'v1:%'),
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
SELECT enable_tenant_isolation('fiscal_settings');
