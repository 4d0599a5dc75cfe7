// Search across sessions: lines of every recording the caller may read
// (approvers, auditors and admins read all recordings), newest session first.
import type { PrismaClient } from '../db/client.js';
import { containsPattern } from './search-fns.js';

export const SEARCH_LIMIT = 100;

export interface SearchQuery {
  q: string;
  environment?: string;
  from?: string;
  to?: string;
  kind?: 'i' | 'o';
}

type Row = { session_id: string; at_ms: number; kind: string; line: string; started_at: Date; host_name: string; environment: string; username: string };

export function searchService(prisma: PrismaClient) {
  return {
    async recordings(query: SearchQuery) {
      const rows = await prisma.$queryRaw<Row[]>`
        SELECT l.session_id, l.at_ms, l.kind, l.line, s.started_at, h.name AS host_name, h.environment, u.username
        FROM recording_lines l
        JOIN sessions s ON s.id = l.session_id
        JOIN hosts h ON h.id = s.host_id
        JOIN users u ON u.id = s.user_id
        WHERE l.line ILIKE ${containsPattern(query.q)}
          AND (${query.environment ?? null}::text IS NULL OR h.environment = ${query.environment ?? null})
          AND (${query.from ?? null}::timestamptz IS NULL OR s.started_at >= ${query.from ?? null}::timestamptz)
          AND (${query.to ?? null}::timestamptz IS NULL OR s.started_at < ${query.to ?? null}::timestamptz)
          AND (${query.kind ?? null}::text IS NULL OR l.kind = ${query.kind ?? null})
        ORDER BY s.started_at DESC, l.at_ms, l.id
        LIMIT ${SEARCH_LIMIT}`;
      return rows.map((r) => ({
        sessionId: r.session_id,
        hostName: r.host_name,
        environment: r.environment,
        user: r.username,
        sessionStartedAt: r.started_at.toISOString(),
        atMs: r.at_ms,
        kind: r.kind as 'i' | 'o',
        line: r.line,
      }));
    },
  };
}

export type SearchService = ReturnType<typeof searchService>;
