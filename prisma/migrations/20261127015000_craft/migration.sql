-- Each SSH certificate the broker signs gets a serial of its own, recorded with
-- its session, so that a key revocation list (KRL) can name it.
CREATE SEQUENCE "ssh_certificate_serial" AS BIGINT START 1;
ALTER TABLE "sessions" ADD COLUMN "ssh_serial" BIGINT;
CREATE UNIQUE INDEX "sessions_ssh_serial_key" ON "sessions"("ssh_serial");
