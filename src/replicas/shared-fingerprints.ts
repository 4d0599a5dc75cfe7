// Replicas must share the SSH CA key (or hosts would trust one replica's
// certificates and not another's), the token secret (or a login on one
// replica would be refused by the next) and the evidence signing key (or
// manifests and checkpoints would need one public key per replica to verify). The first replica registers their
// fingerprints in Postgres; a replica whose fingerprint differs refuses to
// start, naming what to share. The token secret's fingerprint is an HMAC of a
// fixed label, which says nothing about the secret itself.
import { createHmac } from 'node:crypto';
import { ConfigError } from '../config.js';
import type { PrismaClient } from '../db/client.js';

export interface Shared {
  name: 'ssh-ca' | 'token-secret' | 'signing-key';
  fingerprint: string;
  /** What an operator does to make this replica agree. */
  remedy: string;
}

export function tokenSecretFingerprint(secret: string): string {
  return 'hmac-sha256:' + createHmac('sha256', secret).update('breakglass token-secret fingerprint v1').digest('base64url').slice(0, 22);
}

export async function registerSharedFingerprints(prisma: PrismaClient, brokerId: string, shared: Shared[]): Promise<void> {
  for (const s of shared) {
    await prisma.sharedFingerprint.createMany({ data: [{ name: s.name, fingerprint: s.fingerprint, registeredBy: brokerId }], skipDuplicates: true });
    const registered = await prisma.sharedFingerprint.findUniqueOrThrow({ where: { name: s.name } });
    if (registered.fingerprint !== s.fingerprint) {
      throw new ConfigError(
        `this replica's ${s.name} (${s.fingerprint}) differs from the one the other replicas use (${registered.fingerprint}, registered by ${registered.registeredBy} at ${registered.registeredAt.toISOString()}): ${s.remedy}`,
      );
    }
  }
}
