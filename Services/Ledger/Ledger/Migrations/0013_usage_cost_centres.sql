-- Cost centres on usage events too (seed 003 enterprise): an event may name the cost centre it is charged to.
ALTER TABLE usage_events ADD COLUMN cost_center text CHECK (char_length(cost_center) <= 200);
