-- Estimates from history (seed 003 "estimativas com histórico"): an authorization without an estimate reads the last settled
-- executions of its feature and model, newest first.
CREATE INDEX credit_executions_settled_history ON credit_executions (tenant_id, model_id, feature_id, created_at DESC)
    WHERE status = 'SETTLED';
