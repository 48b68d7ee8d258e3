-- The digest of an invoice's lines as last written: a save whose lines did not change (finalizing, paying, marking overdue)
-- leaves invoice_lines untouched instead of comparing every line. NULL (rows written before) counts as changed once.
ALTER TABLE invoices ADD COLUMN lines_digest text;
