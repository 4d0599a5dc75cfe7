-- One row per recording writer (keyed by broker id): the writer's durability
-- fence is a tiny synchronous UPDATE of its row. A commit that writes no WAL is
-- never flushed, so the fence must change a row (see recording-writer.ts).
CREATE TABLE "recording_fences" (
    "writer_id" TEXT NOT NULL,
    "fenced_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "recording_fences_pkey" PRIMARY KEY ("writer_id")
);
