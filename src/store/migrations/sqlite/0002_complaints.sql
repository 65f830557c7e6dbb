-- Complaints and their base data: JR/T 0169 code tables (versioned), dictionaries, GB/T 2260
-- regions, the deadline calendar, complaints with encrypted complainant identity and blind
-- indexes, pauses, attachments, notifications, and Chinese full-text search (FTS5 trigram).
CREATE TABLE codes (
  id INTEGER PRIMARY KEY,
  dimension TEXT NOT NULL CHECK (dimension IN ('A', 'B', 'C', 'R')),
  code TEXT NOT NULL,
  parent TEXT,
  level INTEGER NOT NULL,
  name TEXT NOT NULL,
  sort INTEGER NOT NULL DEFAULT 0,
  suggest_rights TEXT NOT NULL DEFAULT '',  -- space-separated R codes (C codes only)
  valid_from TEXT NOT NULL,                 -- YYYY-MM-DD, inclusive
  valid_to TEXT,                            -- YYYY-MM-DD, exclusive; NULL while in force
  updated_at INTEGER NOT NULL,
  UNIQUE (dimension, code, valid_from)
);
CREATE INDEX codes_lookup ON codes(dimension, code);
CREATE TABLE dictionary_items (
  kind TEXT NOT NULL,              -- source_channel | id_type
  code TEXT NOT NULL,
  name TEXT NOT NULL,
  sort INTEGER NOT NULL DEFAULT 0,
  enabled INTEGER NOT NULL DEFAULT 1,
  attrs TEXT NOT NULL DEFAULT '{}', -- JSON, e.g. {"requires":["external_no"]}
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (kind, code)
);
CREATE TABLE regions (
  code TEXT PRIMARY KEY,           -- GB/T 2260 six digits
  name TEXT NOT NULL,
  parent TEXT,
  level INTEGER NOT NULL           -- 1 province, 2 prefecture, 3 county
);
CREATE INDEX regions_parent ON regions(parent);
CREATE TABLE calendar_days (
  day INTEGER PRIMARY KEY,         -- yyyymmdd
  kind TEXT NOT NULL CHECK (kind IN ('holiday', 'workday')),
  note TEXT NOT NULL DEFAULT '',
  updated_at INTEGER NOT NULL
);
CREATE TABLE complaint_numbers (
  prefix TEXT PRIMARY KEY,         -- institution code + date
  last INTEGER NOT NULL
);
CREATE TABLE complaints (
  id INTEGER PRIMARY KEY,
  complaint_no TEXT NOT NULL UNIQUE,
  status TEXT NOT NULL,
  version INTEGER NOT NULL DEFAULT 1,
  source_channel TEXT,
  external_no TEXT,                -- 人行工单号 / 12378 ticket for transferred complaints
  received_at INTEGER,
  registered_at INTEGER,
  registrar_id INTEGER NOT NULL REFERENCES users(id),
  registrar_org_id INTEGER NOT NULL REFERENCES institutions(id),
  complained_org_id INTEGER REFERENCES institutions(id),
  handling_org_id INTEGER REFERENCES institutions(id),
  handler_id INTEGER REFERENCES users(id),
  org_path TEXT NOT NULL DEFAULT '', -- path of the handling (or registering) institution: data scope
  region_code TEXT,
  business_channel_code TEXT,
  business_type_code TEXT,
  cause_code TEXT,
  rights TEXT NOT NULL DEFAULT '',   -- space-separated R codes
  content TEXT NOT NULL DEFAULT '',
  demand TEXT NOT NULL DEFAULT '',
  amount_fen INTEGER,
  tags TEXT NOT NULL DEFAULT '',     -- space-separated: major regulator media repeat group
  group_size INTEGER,
  complainant_enc TEXT,              -- XChaCha20-Poly1305 of the identity JSON, base64
  pii_key_id TEXT,
  complainant_masked TEXT NOT NULL DEFAULT '{}',
  name_bidx TEXT,                    -- keyed blind indexes (HMAC) for exact lookups
  id_no_bidx TEXT,
  phone_bidx TEXT,
  day_type TEXT NOT NULL DEFAULT 'calendar',
  clock_start_at INTEGER,            -- receipt, or the arrival of new facts that restarted it
  allowed_days INTEGER NOT NULL DEFAULT 15,
  due_at INTEGER,
  deadline_state TEXT NOT NULL DEFAULT 'on_time', -- on_time | due_soon | overdue | paused | done
  extension_count INTEGER NOT NULL DEFAULT 0,
  transfer_count INTEGER NOT NULL DEFAULT 0,
  pending TEXT,                      -- an approval waiting: extension | delete
  pending_data TEXT,                 -- JSON of the request
  reply_result TEXT,
  reply_content TEXT,
  compensation_fen INTEGER,
  late_reason TEXT,
  replied_at INTEGER,
  callback_satisfaction TEXT,
  callback_note TEXT,
  callback_at INTEGER,
  closed_at INTEGER,
  withdrawn_at INTEGER,
  deleted_at INTEGER,
  repeat_of INTEGER REFERENCES complaints(id),
  merged_into INTEGER REFERENCES complaints(id),
  sync_status TEXT NOT NULL DEFAULT 'unsent',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX complaints_status ON complaints(status, due_at);
CREATE INDEX complaints_received ON complaints(received_at);
CREATE INDEX complaints_org_path ON complaints(org_path, received_at);
CREATE INDEX complaints_handler ON complaints(handler_id, status);
CREATE INDEX complaints_registrar ON complaints(registrar_id, status);
CREATE INDEX complaints_name_bidx ON complaints(name_bidx);
CREATE INDEX complaints_id_no_bidx ON complaints(id_no_bidx);
CREATE INDEX complaints_phone_bidx ON complaints(phone_bidx);
CREATE INDEX complaints_complained_org ON complaints(complained_org_id);
CREATE TABLE complaint_pauses (
  id INTEGER PRIMARY KEY,
  complaint_id INTEGER NOT NULL REFERENCES complaints(id),
  start_at INTEGER NOT NULL,
  end_at INTEGER,
  reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX complaint_pauses_complaint ON complaint_pauses(complaint_id);
CREATE TABLE attachments (
  id INTEGER PRIMARY KEY,
  complaint_id INTEGER NOT NULL REFERENCES complaints(id),
  name TEXT NOT NULL,
  mime TEXT NOT NULL,
  size INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  storage_name TEXT NOT NULL UNIQUE,
  uploaded_by INTEGER NOT NULL REFERENCES users(id),
  uploaded_at INTEGER NOT NULL
);
CREATE INDEX attachments_complaint ON attachments(complaint_id);
CREATE TABLE notifications (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id),
  complaint_id INTEGER REFERENCES complaints(id),
  kind TEXT NOT NULL,
  message TEXT NOT NULL,
  dedup_key TEXT UNIQUE,           -- one reminder per complaint, user and stage
  created_at INTEGER NOT NULL,
  read_at INTEGER
);
CREATE INDEX notifications_user ON notifications(user_id, read_at);
CREATE VIRTUAL TABLE complaints_fts USING fts5(content, demand, content='complaints',
  content_rowid='id', tokenize='trigram');
CREATE TRIGGER complaints_fts_insert AFTER INSERT ON complaints BEGIN
  INSERT INTO complaints_fts(rowid, content, demand) VALUES (new.id, new.content, new.demand);
END;
CREATE TRIGGER complaints_fts_update AFTER UPDATE OF content, demand ON complaints BEGIN
  INSERT INTO complaints_fts(complaints_fts, rowid, content, demand) VALUES ('delete', old.id, old.content, old.demand);
  INSERT INTO complaints_fts(rowid, content, demand) VALUES (new.id, new.content, new.demand);
END;
