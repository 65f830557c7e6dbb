-- The notification list is the newest 50 of a user's notifications (issue 13). Its only index,
-- (user_id, read_at), found them all and sorted them: a head-office handler with 4,300 unread read
-- 4,300 table rows for each visit (16-20 ms of CPU, 1.5 % of the working day's). The newest first
-- by (user_id, id); the unread count and the unread-only page by (user_id, read_at, id).
DROP INDEX notifications_user;
CREATE INDEX notifications_user ON notifications(user_id, read_at, id);
CREATE INDEX notifications_user_newest ON notifications(user_id, id);
