-- Why a subscription is paused: asked for, or its account was suspended (resumed with the account; issue 23).
ALTER TABLE subscriptions ADD COLUMN pause_reason text CHECK (pause_reason IN ('REQUESTED', 'ACCOUNT_SUSPENDED'));
