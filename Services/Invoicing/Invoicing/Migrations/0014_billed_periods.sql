-- Whether a subscription's period is billed already, by whichever invoice (issue 23: POST /invoices never bills a period twice).
CREATE INDEX invoice_lines_billed_period ON invoice_lines (tenant_id, subscription_id, period_start) WHERE kind = 'SUBSCRIPTION';
