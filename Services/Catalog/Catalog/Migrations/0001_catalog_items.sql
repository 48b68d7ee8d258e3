-- Catalog items (products, plans, add-ons, meters, AI model rates, credit packages) and their
-- immutable versions. An update inserts a version; nothing referenced is ever deleted.
CREATE TABLE catalog_items (
    tenant_id text NOT NULL,
    id uuid NOT NULL,
    kind text NOT NULL CHECK (kind IN ('product', 'plan', 'addon', 'meter', 'ai_model', 'credit_package')),
    code text,
    status text NOT NULL CHECK (status IN ('ACTIVE', 'ARCHIVED')),
    current_version integer NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    archived_at timestamptz,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX catalog_items_code ON catalog_items (tenant_id, kind, code) WHERE code IS NOT NULL;
CREATE INDEX catalog_items_by_kind ON catalog_items (tenant_id, kind, id);
SELECT enable_tenant_isolation('catalog_items');

CREATE TABLE catalog_item_versions (
    tenant_id text NOT NULL,
    item_id uuid NOT NULL,
    version integer NOT NULL CHECK (version > 0),
    definition jsonb NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, item_id, version),
    FOREIGN KEY (tenant_id, item_id) REFERENCES catalog_items (tenant_id, id)
);
SELECT enable_tenant_isolation('catalog_item_versions');
