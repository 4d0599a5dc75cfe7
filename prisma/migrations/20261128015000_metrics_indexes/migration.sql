-- /metrics counts approvals by decision, ended sessions by end reason and
-- finished replacements by status at every scrape: indexes keep that an
-- index-only scan on a long history.
CREATE INDEX "approvals_decision_idx" ON "approvals"("decision");
CREATE INDEX "sessions_end_reason_idx" ON "sessions"("end_reason");
CREATE INDEX "replacements_status_idx" ON "replacements"("status");
