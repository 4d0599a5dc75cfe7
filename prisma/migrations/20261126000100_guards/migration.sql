-- Invariants that the database itself enforces (not expressible in schema.prisma).

-- Audit events and recordings are append-only: UPDATE, DELETE and TRUNCATE are refused.
CREATE FUNCTION "append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER "audit_events_no_update" BEFORE UPDATE OR DELETE ON "audit_events"
  FOR EACH ROW EXECUTE FUNCTION "append_only"();
CREATE TRIGGER "audit_events_no_truncate" BEFORE TRUNCATE ON "audit_events"
  FOR EACH STATEMENT EXECUTE FUNCTION "append_only"();

CREATE TRIGGER "recording_chunks_no_update" BEFORE UPDATE OR DELETE ON "recording_chunks"
  FOR EACH ROW EXECUTE FUNCTION "append_only"();
CREATE TRIGGER "recording_chunks_no_truncate" BEFORE TRUNCATE ON "recording_chunks"
  FOR EACH STATEMENT EXECUTE FUNCTION "append_only"();

-- Replacements are coalesced per host: at most one scheduled or running at a time.
CREATE UNIQUE INDEX "replacements_one_pending_per_host" ON "replacements"("host_id")
  WHERE "status" IN ('scheduled', 'running');

-- The states of the lifecycle.
ALTER TABLE "hosts" ADD CONSTRAINT "hosts_state_check"
  CHECK ("state" IN ('healthy', 'in_use', 'tainted', 'replacing', 'failed'));
ALTER TABLE "access_requests" ADD CONSTRAINT "access_requests_status_check"
  CHECK ("status" IN ('pending', 'approved', 'denied', 'expired', 'revoked', 'closed'));
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_end_reason_check"
  CHECK ("end_reason" IN ('exit', 'expired', 'revoked', 'disconnected', 'interrupted', 'recording_failed'));
ALTER TABLE "replacements" ADD CONSTRAINT "replacements_status_check"
  CHECK ("status" IN ('scheduled', 'running', 'succeeded', 'failed'));
