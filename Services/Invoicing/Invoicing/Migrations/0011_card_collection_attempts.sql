-- Card collection calls the provider with no row locked: an attempt is claimed (its number recorded, the row leased), the
-- claim commits, the provider is charged, and the outcome is recorded in another transaction. A replica dying in between
-- leaves the attempt in flight; the next claim after the lease retries that same attempt, whose charge reference the provider
-- already knows, so a charge that went through is recorded once, never made twice.
ALTER TABLE card_collections ADD COLUMN in_flight_attempt integer CHECK (in_flight_attempt IS NULL OR in_flight_attempt >= 1);
