-- Approved restarts of the handling period after new facts (issue 11 M4): new_facts is now a
-- request that a reviewer other than the requester approves; each approval counts here, and the
-- reports show the count beside the on-time figures that the restarted clock governs.
ALTER TABLE complaints ADD COLUMN clock_restarts BIGINT NOT NULL DEFAULT 0;
