-- Issue 13: evidence captured before a touched host is torn down, and what a
-- provider reports of the instance that replaced it.

-- Evidence of what changed on a host, captured before its teardown (insert-only).
CREATE TABLE "captures" (
    "id" UUID NOT NULL,
    "replacement_id" UUID NOT NULL,
    "host_id" UUID NOT NULL,
    "session_ids" UUID[],
    "provider" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "error" TEXT,
    "summary" JSONB NOT NULL DEFAULT '{}',
    "items" JSONB NOT NULL DEFAULT '[]',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "captures_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "captures_replacement_id_idx" ON "captures"("replacement_id");
CREATE INDEX "captures_host_id_idx" ON "captures"("host_id");

ALTER TABLE "captures" ADD CONSTRAINT "captures_replacement_id_fkey" FOREIGN KEY ("replacement_id") REFERENCES "replacements"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "captures" ADD CONSTRAINT "captures_host_id_fkey" FOREIGN KEY ("host_id") REFERENCES "hosts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "captures" ADD CONSTRAINT "captures_status_check" CHECK ("status" IN ('succeeded', 'failed'));

-- Evidence is kept as it was taken.
CREATE TRIGGER "captures_no_update" BEFORE UPDATE OR DELETE ON "captures"
  FOR EACH ROW EXECUTE FUNCTION "append_only"();
CREATE TRIGGER "captures_no_truncate" BEFORE TRUNCATE ON "captures"
  FOR EACH STATEMENT EXECUTE FUNCTION "append_only"();

-- The instance a provider reports after a replacement, and when it was built.
ALTER TABLE "hosts" ADD COLUMN "instance_ref" TEXT;
ALTER TABLE "hosts" ADD COLUMN "address" TEXT;
ALTER TABLE "hosts" ADD COLUMN "built_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- Fleet consistency: what each environment's hosts should run, and how old they may get.
CREATE TABLE "environments" (
    "name" TEXT NOT NULL,
    "target_version" TEXT,
    "max_host_age_hours" INTEGER,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "environments_pkey" PRIMARY KEY ("name")
);

-- Roll-outs: an environment's hosts moved from one image to another, a few at a time.
CREATE TABLE "rollouts" (
    "id" UUID NOT NULL,
    "environment" TEXT NOT NULL,
    "from_image_id" UUID NOT NULL,
    "to_image_id" UUID NOT NULL,
    "max_unavailable" INTEGER NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'running',
    "error" TEXT,
    "created_by" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "rollouts_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "rollouts_environment_idx" ON "rollouts"("environment");
ALTER TABLE "rollouts" ADD CONSTRAINT "rollouts_status_check" CHECK ("status" IN ('running', 'succeeded', 'failed'));

ALTER TABLE "replacements" ADD COLUMN "rollout_id" UUID;
ALTER TABLE "replacements" ADD COLUMN "target_image_id" UUID;

-- Drills: hosts older than the maximum age are replaced inside this daily UTC window ("02:00-04:00").
ALTER TABLE "environments" ADD COLUMN "drill_window" TEXT;
-- Why a replacement was scheduled: session, admin, rollout or drill.
ALTER TABLE "replacements" ADD COLUMN "trigger" TEXT;
