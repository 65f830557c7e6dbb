-- 网上投诉 and 投诉进度查询 (issue 16): the consumer's own channel.
-- consumer_submissions is the queue a registrar confirms: a complaint number is reserved at
-- receipt (the legal clock starts then) and the complaint row is made on confirmation with that
-- number and that receipt time. Identity is sealed like complaints' (pii key id + ciphertext).
CREATE TABLE consumer_submissions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  complaint_no TEXT NOT NULL UNIQUE,
  status TEXT NOT NULL DEFAULT 'pending',   -- pending | confirmed
  received_at INTEGER NOT NULL,
  phone_bidx TEXT NOT NULL,
  complained_org_id INTEGER NOT NULL REFERENCES institutions(id),
  org_path TEXT NOT NULL,                   -- of the complained institution: the queue's scope
  business_type_code TEXT,                  -- the consumer's plain-words choice, JR/T 0169 B code
  key_id TEXT NOT NULL,
  identity TEXT NOT NULL,                   -- sealed {name, id_type, id_no, phone}
  masked TEXT NOT NULL,                     -- {name, phone} masked, for the queue
  content TEXT NOT NULL,
  demand TEXT NOT NULL,
  ip TEXT NOT NULL,
  complaint_id INTEGER REFERENCES complaints(id),
  confirmed_by INTEGER REFERENCES users(id),
  confirmed_at INTEGER
);
CREATE INDEX consumer_submissions_queue ON consumer_submissions(status, received_at);
CREATE INDEX consumer_submissions_complaint ON consumer_submissions(complaint_id);

-- One-time SMS codes: 6 digits, stored as a keyed hash, single use, a few attempts. Every
-- request leaves a row (also when nothing is sent: an unknown complaint number), so the rate
-- limits count the same whatever exists. challenge: the proof-of-work puzzle it spent (once).
CREATE TABLE sms_codes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  purpose TEXT NOT NULL,                    -- submit | query
  phone_bidx TEXT NOT NULL,
  subject TEXT NOT NULL,                    -- complaint number for query, '' for submit
  code_hash TEXT NOT NULL,
  ip TEXT NOT NULL,
  challenge TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  used_at INTEGER
);
CREATE INDEX sms_codes_phone ON sms_codes(phone_bidx, created_at);
CREATE INDEX sms_codes_ip ON sms_codes(ip, created_at);
CREATE INDEX sms_codes_created ON sms_codes(created_at);

-- Messages for the bank's SMS platform (transactional outbox; sent by a worker). The phone is
-- sealed; text params never hold the code in clear once sent (the row is emptied).
CREATE TABLE sms_outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  key_id TEXT NOT NULL,
  phone TEXT NOT NULL,                      -- sealed
  template TEXT NOT NULL,                   -- code | complaint_no
  params TEXT NOT NULL,                     -- sealed JSON
  created_at INTEGER NOT NULL,
  sent_at INTEGER,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_at INTEGER NOT NULL,
  last_error TEXT
);
CREATE INDEX sms_outbox_due ON sms_outbox(sent_at, next_at);

-- The short-lived session a verified code opens (cookie holds the token; we keep its hash).
CREATE TABLE consumer_sessions (
  token_hash TEXT PRIMARY KEY,
  purpose TEXT NOT NULL,                    -- submit | query
  phone_bidx TEXT NOT NULL,
  complaint_no TEXT NOT NULL,               -- '' for submit until the submission is made
  uploads INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX consumer_sessions_expiry ON consumer_sessions(expires_at);

-- What the consumer added after submitting: 补充材料 (text) and the rating (once), and files.
CREATE TABLE consumer_messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  complaint_no TEXT NOT NULL,
  kind TEXT NOT NULL,                       -- supplement | rating
  content TEXT NOT NULL,
  satisfaction TEXT,                        -- satisfied | basically_satisfied | unsatisfied
  created_at INTEGER NOT NULL
);
CREATE INDEX consumer_messages_no ON consumer_messages(complaint_no, id);
CREATE UNIQUE INDEX consumer_messages_rating ON consumer_messages(complaint_no) WHERE kind = 'rating';
CREATE TABLE consumer_files (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  complaint_no TEXT NOT NULL,
  name TEXT NOT NULL,
  mime TEXT NOT NULL,
  size INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  storage_name TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL
);
CREATE INDEX consumer_files_no ON consumer_files(complaint_no, id);
