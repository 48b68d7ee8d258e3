-- A charge the invoice no longer waits for (paid otherwise, voided, another amount due) is also withdrawn at the PSP
-- (`PATCH /cob/{txid}` to REMOVIDA_PELO_USUARIO_RECEBEDOR), so no one pays it by mistake: queued here in the transaction that
-- removes it, done by the job with no row locked.
ALTER TABLE pix_charges ADD COLUMN withdrawal_pending boolean NOT NULL DEFAULT false;
CREATE INDEX pix_charges_withdrawing ON pix_charges (updated_at) WHERE withdrawal_pending;
