-- Issue 13: the host key of a replaced SSH host, learnt through its host CA when the new instance is back.
ALTER TABLE "hosts" ADD COLUMN "host_key_fingerprint" TEXT;
ALTER TABLE "hosts" ADD COLUMN "host_key_recorded_at" TIMESTAMPTZ(3);
