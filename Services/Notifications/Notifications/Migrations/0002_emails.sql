-- E-mails to billing accounts' contacts (issue 25): one per event that notifies an account, whatever its recipients. PENDING
-- until the SMTP server accepted it (SENT), it failed for good (FAILED) or nobody was to receive it (SKIPPED: opted out, a
-- test account, no such account). A replica leases it while it sends (leased_until); its id is the Message-ID's, so a
-- message sent again after a crash carries the same Message-ID.
CREATE TABLE email_notifications (
    tenant_id text NOT NULL,
    id uuid NOT NULL,
    event_id text NOT NULL,
    event_type text NOT NULL,
    notification_type text NOT NULL,
    account_id uuid NOT NULL,
    payload text NOT NULL,
    status text NOT NULL CHECK (status IN ('PENDING', 'SENT', 'FAILED', 'SKIPPED')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    leased_until timestamptz,
    recipients text[] NOT NULL DEFAULT '{}',
    subject text,
    -- The SMTP server's answer to the message (its queue id), or why it failed or was skipped.
    detail text,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    sent_at timestamptz,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, event_id)
);
SELECT enable_tenant_isolation('email_notifications');
CREATE INDEX email_notifications_due ON email_notifications (next_attempt_at) WHERE status = 'PENDING';
CREATE INDEX email_notifications_by_account ON email_notifications (tenant_id, account_id, created_at DESC);
