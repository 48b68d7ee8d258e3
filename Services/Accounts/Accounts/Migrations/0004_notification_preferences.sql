-- E-mail notifications (issue 25): the language of an account's e-mails, who receives which, and the types it opted out of.
-- Existing accounts: pt-BR for BRL, English otherwise; no contacts (the account's e-mail receives everything).
ALTER TABLE billing_accounts ADD COLUMN locale text;
UPDATE billing_accounts SET locale = CASE WHEN trim(currency) = 'BRL' THEN 'pt-BR' ELSE 'en' END;
ALTER TABLE billing_accounts ALTER COLUMN locale SET NOT NULL;
ALTER TABLE billing_accounts ADD COLUMN contacts jsonb NOT NULL DEFAULT '[]';
ALTER TABLE billing_accounts ADD COLUMN notification_opt_outs text[] NOT NULL DEFAULT '{}';
