-- Evidence (issue 9): signed session manifests and signed audit checkpoints.
-- Both append-only, like the recordings and the audit trail; the broker's role
-- may only INSERT and SELECT them (src/db/roles.ts, APPEND_ONLY_TABLES).

-- CreateTable
CREATE TABLE "session_manifests" (
    "session_id" UUID NOT NULL,
    "manifest" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "signature" TEXT NOT NULL,
    "key_fingerprint" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "session_manifests_pkey" PRIMARY KEY ("session_id")
);

-- CreateTable
CREATE TABLE "audit_checkpoints" (
    "id" BIGSERIAL NOT NULL,
    "event_id" BIGINT NOT NULL,
    "event_count" BIGINT NOT NULL,
    "hash" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "payload" TEXT NOT NULL,
    "signature" TEXT NOT NULL,
    "key_fingerprint" TEXT NOT NULL,

    CONSTRAINT "audit_checkpoints_pkey" PRIMARY KEY ("id")
);

-- AddForeignKey
ALTER TABLE "session_manifests" ADD CONSTRAINT "session_manifests_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "sessions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

CREATE TRIGGER "session_manifests_no_update" BEFORE UPDATE OR DELETE ON "session_manifests"
  FOR EACH ROW EXECUTE FUNCTION "append_only"();
CREATE TRIGGER "session_manifests_no_truncate" BEFORE TRUNCATE ON "session_manifests"
  FOR EACH STATEMENT EXECUTE FUNCTION "append_only"();
CREATE TRIGGER "audit_checkpoints_no_update" BEFORE UPDATE OR DELETE ON "audit_checkpoints"
  FOR EACH ROW EXECUTE FUNCTION "append_only"();
CREATE TRIGGER "audit_checkpoints_no_truncate" BEFORE TRUNCATE ON "audit_checkpoints"
  FOR EACH STATEMENT EXECUTE FUNCTION "append_only"();
