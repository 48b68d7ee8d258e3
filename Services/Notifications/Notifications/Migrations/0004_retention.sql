-- Finished work older than BILLING_NOTIFICATIONS_RETENTION_DAYS is deleted in batches: these indexes find it.
CREATE INDEX webhook_attempts_by_time ON webhook_attempts (attempted_at);
CREATE INDEX webhook_deliveries_settled ON webhook_deliveries (updated_at) WHERE status <> 'PENDING';
CREATE INDEX webhook_deliveries_by_message ON webhook_deliveries (tenant_id, message_id);
CREATE INDEX webhook_messages_by_time ON webhook_messages (created_at);
CREATE INDEX email_notifications_settled ON email_notifications (updated_at) WHERE status <> 'PENDING';
