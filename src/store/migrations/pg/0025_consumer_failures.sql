-- Failed code entries per client address (issue 16): 30 in an hour stop that address, whether
-- the guesses were for a real complaint number, a made-up one, or a phone that never asked for a
-- code (those leave no code row whose attempts could count them).
CREATE TABLE consumer_failures (
  ip TEXT NOT NULL,
  at BIGINT NOT NULL
);
CREATE INDEX consumer_failures_ip ON consumer_failures(ip, at);
