-- Repeat detection looks up a complainant's latest complaint by blind index and receipt time.
CREATE INDEX complaints_id_no_recent ON complaints(id_no_bidx, received_at);
CREATE INDEX complaints_phone_recent ON complaints(phone_bidx, received_at);
DROP INDEX complaints_id_no_bidx;
DROP INDEX complaints_phone_bidx;
