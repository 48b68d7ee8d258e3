import BillingPostgres

/// The `outbox` and `inbox` tables every producing or consuming context has.
public enum EventMigrations {
    public static let all: [Migration] = [
        Migration(
            track: "events", version: 1, name: "outbox_inbox",
            sql: """
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
        Migration(
            track: "events", version: 2, name: "relay_state_and_wakeups",
            sql: """
                -- How many events this schema's relays have published into each stream; Redis keeps the same
                -- count, so a Redis that lost entries (restart without data, failover to a lagging replica)
                -- shows a lower number. Not tenant data: no tenant_id, no row-level security.
                CREATE TABLE relay_state (
                    stream text PRIMARY KEY,
                    published_total bigint NOT NULL DEFAULT 0,
                    updated_at timestamptz NOT NULL DEFAULT now()
                );

                -- Wakes the relay (LISTEN outbox_<schema>) when events commit.
                CREATE FUNCTION notify_outbox() RETURNS trigger LANGUAGE plpgsql AS $fn$
                BEGIN
                    PERFORM pg_notify('outbox_' || TG_TABLE_SCHEMA, '');
                    RETURN NULL;
                END
                $fn$;
                CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION notify_outbox();
                """),
    ]
}
