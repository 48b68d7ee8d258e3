-- The tenant's own notices (a webhook endpoint the platform disabled) go to the tenant's contact: no account, and the
-- notification type TENANT_NOTICE.
ALTER TABLE email_notifications ALTER COLUMN account_id DROP NOT NULL;

-- The tenant's own settings: whom to e-mail about its integration, in which language.
CREATE TABLE notification_settings (
    tenant_id text NOT NULL PRIMARY KEY,
    contact_email text,
    locale text NOT NULL,
    updated_at timestamptz NOT NULL
);
SELECT enable_tenant_isolation('notification_settings');
