import BillingPostgres

/// The `outbox` and `inbox` tables every producing or consuming context has.
public enum EventMigrations {
    public static let all: [Migration] = [
        Migration(track: "events", version: 1, name: "outbox_inbox", sql: """
            -- Events written in the business transaction; the relay publishes unpublished rows.
            CREATE TABLE outbox (
                position bigserial PRIMARY KEY,
                id uuid NOT NULL UNIQUE,
                tenant_id text NOT NULL,
                type text NOT NULL,
                subject text,
                occurred_at timestamptz NOT NULL,
                envelope jsonb NOT NULL,
                published_at timestamptz,
                stream_entry_id text
            );
            CREATE INDEX outbox_unpublished ON outbox (position) WHERE published_at IS NULL;
            CREATE INDEX outbox_published_at ON outbox (published_at) WHERE published_at IS NOT NULL;
            SELECT enable_tenant_isolation('outbox');

            -- Events this context has applied, so a redelivered event is a no-op.
            CREATE TABLE inbox (
                consumer text NOT NULL,
                event_id uuid NOT NULL,
                tenant_id text NOT NULL,
                event_type text NOT NULL,
                processed_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (consumer, event_id)
            );
            SELECT enable_tenant_isolation('inbox');
            """),
    ]
}
