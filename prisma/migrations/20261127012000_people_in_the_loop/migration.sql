-- Issue 12: extensions, idle timeout, emergency access with review, notifications.

-- AlterTable
ALTER TABLE "policies" ADD COLUMN "idle_timeout_minutes" INTEGER,
ADD COLUMN "emergency_allowed" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN "emergency_approvals_required" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "emergency_max_duration_minutes" INTEGER NOT NULL DEFAULT 30,
ADD COLUMN "review_within_hours" INTEGER NOT NULL DEFAULT 24;

-- AlterTable
ALTER TABLE "access_requests" ADD COLUMN "extended_minutes" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "emergency" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN "review_due_at" TIMESTAMPTZ(3),
ADD COLUMN "review_overdue_at" TIMESTAMPTZ(3),
ADD COLUMN "reviewed_at" TIMESTAMPTZ(3),
ADD COLUMN "reviewer_id" UUID,
ADD COLUMN "reviewed_by" TEXT,
ADD COLUMN "review_outcome" TEXT,
ADD COLUMN "review_comment" TEXT;

-- CreateTable
CREATE TABLE "extensions" (
    "id" UUID NOT NULL,
    "request_id" UUID NOT NULL,
    "minutes" INTEGER NOT NULL,
    "reason" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "approvals_required" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "decided_at" TIMESTAMPTZ(3),

    CONSTRAINT "extensions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "extension_decisions" (
    "id" UUID NOT NULL,
    "extension_id" UUID NOT NULL,
    "approver_id" UUID NOT NULL,
    "approver" TEXT NOT NULL,
    "decision" TEXT NOT NULL,
    "comment" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "extension_decisions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "notification_channels" (
    "id" UUID NOT NULL,
    "environment" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "target" TEXT NOT NULL,
    "secret" TEXT,
    "events" TEXT[],
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "notification_channels_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "notification_deliveries" (
    "id" UUID NOT NULL,
    "event_id" UUID NOT NULL,
    "event_type" TEXT NOT NULL,
    "channel_id" UUID NOT NULL,
    "payload" JSONB NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "delivered_at" TIMESTAMPTZ(3),

    CONSTRAINT "notification_deliveries_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "extensions_request_id_idx" ON "extensions"("request_id");

-- CreateIndex
CREATE UNIQUE INDEX "extension_decisions_extension_id_approver_id_key" ON "extension_decisions"("extension_id", "approver_id");

-- CreateIndex
CREATE INDEX "notification_channels_environment_idx" ON "notification_channels"("environment");

-- CreateIndex
CREATE INDEX "notification_deliveries_status_idx" ON "notification_deliveries"("status");

-- AddForeignKey
ALTER TABLE "extensions" ADD CONSTRAINT "extensions_request_id_fkey" FOREIGN KEY ("request_id") REFERENCES "access_requests"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "extension_decisions" ADD CONSTRAINT "extension_decisions_extension_id_fkey" FOREIGN KEY ("extension_id") REFERENCES "extensions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "notification_deliveries" ADD CONSTRAINT "notification_deliveries_channel_id_fkey" FOREIGN KEY ("channel_id") REFERENCES "notification_channels"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Guards: the new end reason and the new states.
ALTER TABLE "sessions" DROP CONSTRAINT "sessions_end_reason_check";
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_end_reason_check"
  CHECK ("end_reason" IN ('exit', 'expired', 'revoked', 'disconnected', 'interrupted', 'recording_failed', 'idle'));
ALTER TABLE "extensions" ADD CONSTRAINT "extensions_status_check"
  CHECK ("status" IN ('pending', 'approved', 'denied', 'expired'));
ALTER TABLE "notification_deliveries" ADD CONSTRAINT "notification_deliveries_status_check"
  CHECK ("status" IN ('pending', 'delivered', 'failed'));
ALTER TABLE "access_requests" ADD CONSTRAINT "access_requests_review_outcome_check"
  CHECK ("review_outcome" IN ('acknowledged', 'flagged'));
