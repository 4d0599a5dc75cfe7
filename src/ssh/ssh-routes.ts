// The SSH CA's public key, for admins to install as TrustedUserCAKeys on hosts,
// and the key revocation list of certificates whose grant was revoked.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { requireRole } from '../auth/auth-plugin.js';
import { SshCaSchema } from '../schemas.js';
import type { SshCa } from './ssh-ca.js';
import type { CertificateSerials } from './ssh-serials.js';

export default async function sshRoutes(app: FastifyInstance, { ca, serials }: { ca: SshCa; serials: CertificateSerials }) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get('/api/ssh/ca', { onRequest: [app.authenticate, requireRole('admin')], schema: { response: { 200: SshCaSchema } } }, async () => ({
    publicKey: ca.publicKey,
    fingerprint: ca.fingerprint,
  }));

  // No login: hosts fetch it unattended (cron, config management) for sshd's
  // RevokedKeys. It names only serial numbers, which are no secret.
  app.get(
    '/api/ssh/krl',
    {
      schema: {
        security: [],
        response: {
          200: {
            description: 'An OpenSSH key revocation list (binary, ssh-keygen -k)',
            content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
          },
        },
      },
    },
    async (_request, reply) => reply.type('application/octet-stream').send(await ca.krl(await serials.revoked())),
  );
}
