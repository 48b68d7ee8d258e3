-- Taxes (issue 26): the tax code of the add-on version a subscription took, kept with it like its name and price (null: the
-- tenant's default tax code). The plan's is in plan_snapshot.
ALTER TABLE subscription_addons ADD COLUMN tax_code text;
