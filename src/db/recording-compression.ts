// How Postgres compresses recorded bytes. A 4 KiB chunk is stored out of line
// (TOAST) and compressed there, by pglz unless the column says otherwise. On a
// server built with lz4 (PostgreSQL 14 and later from Debian, Ubuntu, the
// official Docker image) the recording column uses lz4: for terminal text
// written the way the writer writes it, about 5 CPU s per GB against pglz's 14, for
// a table 1.06x as large (README, "Storage of recordings"). The bytes, their
// hashes and what reads them are the same either way: compression is below
// the value, and rows keep the method they were written with.
import { withClient } from './roles.js';

export type RecordingCompression = 'lz4' | 'pglz';

/**
 * Sets the recording column to lz4 when the server has it, at every start (a
 * database moved to a server with lz4 gains it then); `changed` when this call
 * did. Runs as the tables' owner. The change is to the catalog only: existing
 * rows keep their compression and stay readable.
 */
export async function settleRecordingCompression(
  ownerUrl: string,
  log: (msg: string) => void,
): Promise<{ compression: RecordingCompression; changed: boolean }> {
  return withClient(ownerUrl, async (client) => {
    // Servers before 14 have neither the setting nor the column's attcompression.
    const supported = await client.query<{ lz4: boolean }>(`SELECT 'lz4' = ANY(enumvals) AS lz4 FROM pg_settings WHERE name = 'default_toast_compression'`);
    if (!supported.rows[0]?.lz4) return { compression: 'pglz', changed: false };
    const column = await client.query<{ current: string }>(
      `SELECT attcompression::text AS current FROM pg_attribute WHERE attrelid = 'recording_chunks'::regclass AND attname = 'data'`,
    );
    if (column.rows[0]?.current === 'l') return { compression: 'lz4', changed: false };
    // The change takes the table's exclusive lock for an instant. Behind a long reader
    // (an export) every other replica's recording would queue behind it: give up
    // instead, and try again at the next start.
    await client.query(`SET lock_timeout = '2s'`);
    try {
      await client.query('ALTER TABLE recording_chunks ALTER COLUMN data SET COMPRESSION lz4');
    } catch (err) {
      if ((err as { code?: string }).code !== '55P03') throw err; // lock_not_available
      log('recordings stay compressed with pglz for now: the recording table was busy; lz4 is set at the next start');
      return { compression: 'pglz', changed: false };
    }
    log('recordings are compressed with lz4 from now on (this Postgres has it; earlier chunks keep pglz)');
    return { compression: 'lz4', changed: true };
  });
}
