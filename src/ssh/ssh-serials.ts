// Certificate serials: one per signed certificate, from a Postgres sequence (so
// replicas never hand out the same one), recorded on the session it is for.
import type { PrismaClient } from '../db/client.js';

export interface CertificateSerials {
  /** A fresh serial, recorded on the session. */
  allocate(sessionId: string): Promise<bigint>;
  /** Serials of certificates whose grant was revoked: what a KRL lists. */
  revoked(): Promise<bigint[]>;
}

export function certificateSerials(prisma: PrismaClient): CertificateSerials {
  return {
    async allocate(sessionId) {
      const [row] = await prisma.$queryRaw<{ serial: bigint }[]>`
        UPDATE sessions SET ssh_serial = nextval('ssh_certificate_serial') WHERE id = ${sessionId}::uuid RETURNING ssh_serial AS serial`;
      if (!row) throw new Error(`session ${sessionId} does not exist; no certificate is issued`);
      return row.serial;
    },
    async revoked() {
      const rows = await prisma.session.findMany({
        where: { sshSerial: { not: null }, request: { status: 'revoked' } },
        select: { sshSerial: true },
        orderBy: { sshSerial: 'asc' },
      });
      return rows.map((r) => r.sshSerial!);
    },
  };
}
