-- A replayed answer carries the first answer's headers: the Location of what a POST created.
ALTER TABLE idempotency_keys ADD COLUMN response_location text;
