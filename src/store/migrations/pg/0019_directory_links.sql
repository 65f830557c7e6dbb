-- Directory sign-in (issue 15 item 1). An fcms account may be linked by the system administrator
-- to one identity in the bank's directory (LDAP/AD: the login attribute's value, e.g. uid or
-- sAMAccountName) and/or one subject of the bank's identity platform (OpenID Connect: iss + sub).
-- Roles and scope stay fcms's own. local_password_off: the linked account can no longer sign in
-- with its fcms password. oidc_states holds a started OpenID Connect sign-in (state, nonce and PKCE
-- verifier) until its callback consumes it once; the state is kept as its SHA-256.
CREATE TABLE directory_links (
  user_id INTEGER NOT NULL REFERENCES users(id),
  provider TEXT NOT NULL,          -- ldap | oidc
  subject TEXT NOT NULL,           -- ldap: login attribute value (lower case); oidc: sub
  local_password_off INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, provider),
  UNIQUE (provider, subject)
);
CREATE TABLE oidc_states (
  state_hash TEXT PRIMARY KEY,
  nonce TEXT NOT NULL,
  verifier TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX oidc_states_created ON oidc_states(created_at);
