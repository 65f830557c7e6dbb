-- Failed sign-ins counted per user name *and source address* (issue 11 M1): five wrong passwords
-- from one address lock that address out of that account for lockout_minutes, and nobody else.
-- Before, they locked the account for everyone, so anyone could keep any user (admin included)
-- out. Unknown user names are counted the same way, so answers do not tell which names exist.
-- users.locked_until now holds only locks a security administrator set (and old failure locks,
-- which run out). Rows older than a day are removed as failures come in.
CREATE TABLE login_failures (
  username TEXT NOT NULL,          -- as typed: an existing account's name or any other
  source TEXT NOT NULL,            -- client address (r->ip, proxies resolved)
  failures INTEGER NOT NULL,       -- since the last success or the last lock ran out
  locked_until INTEGER,            -- epoch ms; NULL when not locked
  last_at INTEGER NOT NULL,
  PRIMARY KEY (username, source)
);
CREATE INDEX login_failures_source ON login_failures(source, last_at);
CREATE INDEX login_failures_last ON login_failures(last_at);
