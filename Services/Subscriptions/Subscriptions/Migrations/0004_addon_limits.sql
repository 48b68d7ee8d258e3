-- What an add-on adds to its plan's limits (the add-on version's, kept at subscription; issue 23).
ALTER TABLE subscription_addons ADD COLUMN limits jsonb;
