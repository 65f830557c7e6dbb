-- 三员 split knowledge: a password issued by the system administrator (new account, reset) can be
-- replaced by its owner only with an activation code that a security administrator issues.
-- NULL: nothing required; '': required, not yet issued; otherwise SHA-256 hex of the code.
ALTER TABLE users ADD COLUMN activation_hash TEXT;
