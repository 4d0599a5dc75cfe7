-- Issue 14: the workbench.

-- A requester may withdraw a pending request.
ALTER TABLE "access_requests" DROP CONSTRAINT "access_requests_status_check";
ALTER TABLE "access_requests" ADD CONSTRAINT "access_requests_status_check"
  CHECK ("status" IN ('pending', 'approved', 'denied', 'expired', 'revoked', 'closed', 'withdrawn'));

-- Search across sessions: the text lines of the recordings (input lines and
-- output lines, escape sequences removed), written by the indexer from
-- committed chunks, off the terminal's byte path; and where the indexer is in
-- each session. A derived index: it can be dropped and rebuilt from the
-- recordings, which stay the evidence.
CREATE EXTENSION IF NOT EXISTS "pg_trgm";

CREATE TABLE "recording_lines" (
    "id" BIGSERIAL NOT NULL,
    "session_id" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "at_ms" INTEGER NOT NULL,
    "kind" CHAR(1) NOT NULL,
    "line" TEXT NOT NULL,

    CONSTRAINT "recording_lines_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "recording_lines_session_id_idx" ON "recording_lines"("session_id");
CREATE INDEX "recording_lines_line_trgm" ON "recording_lines" USING GIN ("line" gin_trgm_ops);
ALTER TABLE "recording_lines" ADD CONSTRAINT "recording_lines_session_id_fkey"
  FOREIGN KEY ("session_id") REFERENCES "sessions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

CREATE TABLE "recording_search_cursors" (
    "session_id" UUID NOT NULL,
    "next_seq" INTEGER NOT NULL,
    "carry_in" BYTEA NOT NULL,
    "carry_out" BYTEA NOT NULL,
    "done" BOOLEAN NOT NULL,

    CONSTRAINT "recording_search_cursors_pkey" PRIMARY KEY ("session_id")
);
ALTER TABLE "recording_search_cursors" ADD CONSTRAINT "recording_search_cursors_session_id_fkey"
  FOREIGN KEY ("session_id") REFERENCES "sessions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
CREATE INDEX "recording_search_cursors_done_idx" ON "recording_search_cursors"("done");
