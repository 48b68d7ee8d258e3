/// Infrastructure every context's schema gets before its own migrations.
public enum PlatformMigrations {
    public static let all: [Migration] = [
        Migration(
            track: "platform", version: 1, name: "tenant_isolation",
            sql: """
                -- Row-level security for a tenant-owned table: rows are visible only when billing.tenant_id
                -- (set per transaction by Database.withTenant) matches, or in an explicit system scope
                -- (Database.withSystemScope). FORCE applies it to the owning role too.
                CREATE OR REPLACE FUNCTION enable_tenant_isolation(target regclass) RETURNS void
                LANGUAGE plpgsql AS $fn$
                BEGIN
                    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', target);
                    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', target);
                    EXECUTE format('DROP POLICY IF EXISTS tenant_isolation ON %s', target);
                    EXECUTE format($policy$
                        CREATE POLICY tenant_isolation ON %s
                        USING (tenant_id = current_setting('billing.tenant_id', true)
                               OR current_setting('billing.scope', true) = 'system')
                        WITH CHECK (tenant_id = current_setting('billing.tenant_id', true)
                               OR current_setting('billing.scope', true) = 'system')
                        $policy$, target);
                END
                $fn$;
                """),
        Migration(
            track: "platform", version: 2, name: "idempotent_requests",
            sql: """
                -- Results of calls that carried an idempotency key, so a retry returns the first result.
                CREATE TABLE idempotent_requests (
                    tenant_id text NOT NULL,
                    operation text NOT NULL,
                    idempotency_key text NOT NULL,
                    request_hash text NOT NULL,
                    response bytea NOT NULL,
                    created_at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (tenant_id, operation, idempotency_key)
                );
                CREATE INDEX idempotent_requests_created_at ON idempotent_requests (created_at);
                SELECT enable_tenant_isolation('idempotent_requests');
                """),
    ]
}
