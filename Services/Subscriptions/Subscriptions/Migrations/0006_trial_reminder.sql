-- When `billing.subscription.trial_will_end` was published for the subscription (three days before its trial ends, or at the
-- trial's start when the trial is shorter); NULL while it has not been. The service's own bookkeeping: not in the API.
ALTER TABLE subscriptions ADD COLUMN trial_reminder_at timestamptz;

-- A TRIAL subscription's next action is now its reminder while that is unsent. Those written before waited for their trial's end:
-- moved to the reminder (72 hours, not the session time zone's days, before the trial's end, and not before the trial's start), so
-- the scheduler (or the test clock) takes them then, or at its next run when that instant has passed.
UPDATE subscriptions
SET next_action_at = GREATEST(trial_start, trial_end - interval '72 hours')
WHERE status = 'TRIAL' AND trial_reminder_at IS NULL AND trial_end IS NOT NULL AND next_action_at IS NOT NULL
    AND GREATEST(trial_start, trial_end - interval '72 hours') < next_action_at;
