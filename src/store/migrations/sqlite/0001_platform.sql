-- Platform schema: settings, institutions, roles, users, sessions, API tokens, audit chain.
-- Instants are UTC epoch milliseconds (*_at); money is integer fen (*_fen).
CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE institutions (
  id INTEGER PRIMARY KEY,
  parent_id INTEGER REFERENCES institutions(id),
  path TEXT NOT NULL,            -- '/1/5/23/': ids from the root, for subtree queries
  depth INTEGER NOT NULL,
  name TEXT NOT NULL,
  internal_code TEXT NOT NULL UNIQUE,
  fin_code TEXT NOT NULL UNIQUE, -- 14-character 金融机构编码
  region_code TEXT NOT NULL,     -- GB/T 2260
  type TEXT NOT NULL,
  address TEXT NOT NULL DEFAULT '',
  sort INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL DEFAULT 'active',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX institutions_path ON institutions(path);
CREATE INDEX institutions_parent ON institutions(parent_id);
CREATE TABLE roles (
  id INTEGER PRIMARY KEY,
  code TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL UNIQUE,
  description TEXT NOT NULL DEFAULT '',
  permissions TEXT NOT NULL DEFAULT '', -- space-separated permission codes
  data_scope TEXT NOT NULL,
  builtin INTEGER NOT NULL DEFAULT 0,
  sanyuan TEXT,                         -- 'sys' | 'sec' | 'audit' | NULL
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  org_id INTEGER NOT NULL REFERENCES institutions(id),
  phone TEXT NOT NULL DEFAULT '',
  email TEXT NOT NULL DEFAULT '',
  password_hash TEXT,
  status TEXT NOT NULL DEFAULT 'active', -- active | disabled | closed
  is_service INTEGER NOT NULL DEFAULT 0,
  must_change_password INTEGER NOT NULL DEFAULT 0,
  password_changed_at INTEGER,
  failed_attempts INTEGER NOT NULL DEFAULT 0,
  locked_until INTEGER,
  lock_reason TEXT,
  last_login_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX users_org ON users(org_id);
CREATE TABLE user_roles (
  user_id INTEGER NOT NULL REFERENCES users(id),
  role_id INTEGER NOT NULL REFERENCES roles(id),
  PRIMARY KEY (user_id, role_id)
);
CREATE INDEX user_roles_role ON user_roles(role_id);
CREATE TABLE password_history (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id),
  password_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX password_history_user ON password_history(user_id, id);
CREATE TABLE sessions (
  id_hash TEXT PRIMARY KEY,     -- SHA-256 of the cookie value; the value itself is never stored
  user_id INTEGER NOT NULL REFERENCES users(id),
  csrf_token TEXT NOT NULL,
  ip TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE TABLE api_tokens (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id),
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE, -- SHA-256 of the token
  prefix TEXT NOT NULL,            -- first characters, to recognise a token in lists
  created_by INTEGER REFERENCES users(id),
  created_at INTEGER NOT NULL,
  expires_at INTEGER,
  last_used_at INTEGER,
  revoked_at INTEGER
);
CREATE TABLE audit_events (
  seq INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  actor_id INTEGER,
  actor TEXT NOT NULL,
  ip TEXT NOT NULL,
  action TEXT NOT NULL,
  target_type TEXT NOT NULL,
  target_id TEXT NOT NULL,
  result TEXT NOT NULL,
  detail TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX audit_events_at ON audit_events(at);
CREATE INDEX audit_events_target ON audit_events(target_type, target_id);
CREATE TABLE audit_head (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  seq INTEGER NOT NULL,
  hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
