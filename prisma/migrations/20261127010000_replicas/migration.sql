-- Replicas that agree (issue 10).

-- A replica's lease, measured with the database's clock, and the address other
-- replicas reach it at (replica-to-replica forwarding).
ALTER TABLE "brokers" ADD COLUMN "lease_until" TIMESTAMPTZ(3);
ALTER TABLE "brokers" ADD COLUMN "address" TEXT;

-- Nothing is recorded after a session's end: a chunk insert takes a share lock
-- on its session (so it waits for an end being committed) and is refused once
-- the session has ended. The end itself locks the session FOR UPDATE and writes
-- the recording's last event in the same transaction.
CREATE FUNCTION "recording_not_after_end"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ended timestamptz;
BEGIN
  SELECT "ended_at" INTO ended FROM "sessions" WHERE "id" = NEW."session_id" FOR SHARE;
  IF ended IS NOT NULL THEN
    RAISE EXCEPTION 'session % has ended: nothing is recorded after its end', NEW."session_id" USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER "recording_chunks_not_after_end" BEFORE INSERT ON "recording_chunks"
  FOR EACH ROW EXECUTE FUNCTION "recording_not_after_end"();

-- What every replica must share, by fingerprint: the first replica registers
-- it, a replica whose fingerprint differs refuses to start.
CREATE TABLE "shared_fingerprints" (
    "name" TEXT NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "registered_by" TEXT NOT NULL,
    "registered_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "shared_fingerprints_pkey" PRIMARY KEY ("name")
);

-- A `local` host is a directory on one replica's machine: that replica owns it,
-- runs its sessions and rebuilds it (others forward to it).
ALTER TABLE "hosts" ADD COLUMN "owner_broker_id" TEXT;
