-- Integration with the bank's systems (issue 15 items 2-4): webhook subscriptions and their
-- deliveries (a second channel of the regulator's delivery engine: same leases, backoff and
-- attempt log), call-centre idempotency keys, and approvals routed to the bank's OA.
CREATE TABLE webhook_subscriptions (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  kind TEXT NOT NULL DEFAULT 'webhook',   -- webhook | oa (the OA: also answers approvals)
  url TEXT NOT NULL,
  event_types TEXT NOT NULL DEFAULT '*',  -- space-separated event types, '*' = every event
  org_id INTEGER REFERENCES institutions(id), -- scope filter: this institution's subtree; NULL = all
  org_path TEXT NOT NULL DEFAULT '',      -- '' = the whole bank
  secret TEXT NOT NULL,                   -- HMAC-SHA256 key (both directions for the OA)
  carries_pii INTEGER NOT NULL DEFAULT 0, -- 1: complainant identity sent in clear (audited grant)
  enabled INTEGER NOT NULL DEFAULT 1,
  created_by INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE webhook_deliveries (
  id INTEGER PRIMARY KEY,
  subscription_id INTEGER NOT NULL REFERENCES webhook_subscriptions(id),
  event_id TEXT NOT NULL,                 -- one id per event, shared by every subscription's copy
  event TEXT NOT NULL,                    -- complaint.registered, complaint.assign, approval.requested...
  complaint_id INTEGER,
  complaint_no TEXT,
  payload TEXT NOT NULL,                  -- the event without PII (compact JSON)
  status TEXT NOT NULL DEFAULT 'pending', -- pending sent failed
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  lease_owner TEXT,
  lease_until INTEGER,
  last_http_status INTEGER,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  sent_at INTEGER,
  UNIQUE (subscription_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(status, next_attempt_at);
CREATE INDEX webhook_deliveries_chain ON webhook_deliveries(subscription_id, complaint_id, id);
CREATE TABLE webhook_attempts (
  id INTEGER PRIMARY KEY,
  delivery_id INTEGER NOT NULL REFERENCES webhook_deliveries(id),
  at INTEGER NOT NULL,
  instance TEXT NOT NULL,
  outcome TEXT NOT NULL,                  -- delivered error
  http_status INTEGER NOT NULL DEFAULT 0,
  detail TEXT NOT NULL DEFAULT '',
  duration_ms INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts(delivery_id);
CREATE TABLE idempotency_keys (
  user_id INTEGER NOT NULL,
  key TEXT NOT NULL,
  request_sha256 TEXT NOT NULL,
  complaint_id INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys(created_at);
CREATE TABLE oa_approvals (
  id INTEGER PRIMARY KEY,
  complaint_id INTEGER NOT NULL REFERENCES complaints(id),
  subscription_id INTEGER NOT NULL REFERENCES webhook_subscriptions(id),
  kind TEXT NOT NULL,                     -- extension | delete
  status TEXT NOT NULL DEFAULT 'pending', -- pending approved rejected expired
  requested_by INTEGER NOT NULL,
  requested_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  decided_at INTEGER,
  approver TEXT,
  comment TEXT
);
CREATE UNIQUE INDEX oa_approvals_open ON oa_approvals(complaint_id) WHERE status = 'pending';
CREATE INDEX oa_approvals_expiry ON oa_approvals(status, expires_at);
CREATE TABLE oa_callback_signatures (
  signature TEXT PRIMARY KEY,             -- v1 value of a callback taken: a replay is refused
  at INTEGER NOT NULL
);
