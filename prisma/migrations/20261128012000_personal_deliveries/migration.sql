-- Issue 12: a delivery goes either to a channel or, in person, to a user (the
-- requester's own e-mail address, looked up when it is sent).
ALTER TABLE "notification_deliveries" ALTER COLUMN "channel_id" DROP NOT NULL,
ADD COLUMN "user_id" UUID;

-- AddForeignKey
ALTER TABLE "notification_deliveries" ADD CONSTRAINT "notification_deliveries_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Guards: exactly one recipient.
ALTER TABLE "notification_deliveries" ADD CONSTRAINT "notification_deliveries_one_recipient_check"
  CHECK (("channel_id" IS NULL) <> ("user_id" IS NULL));
