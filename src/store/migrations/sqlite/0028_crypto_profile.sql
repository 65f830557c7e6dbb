-- The audit chain's hash follows the database's crypto profile (util/crypto.h): the head records
-- the profile the next event is hashed with; an audit.rechain event marks each switch in the chain.
ALTER TABLE audit_head ADD COLUMN alg TEXT NOT NULL DEFAULT 'default';
