// The SSH CA's public key, for admins to install as TrustedUserCAKeys on hosts.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { requireRole } from '../auth/auth-plugin.js';
import { SshCaSchema } from '../schemas.js';
import type { SshCa } from './ssh-ca.js';

export default async function sshRoutes(app: FastifyInstance, { ca }: { ca: SshCa }) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', app.authenticate);
  app.addHook('onRequest', requireRole('admin'));

  r.get('/api/ssh/ca', { schema: { response: { 200: SshCaSchema } } }, async () => ({ publicKey: ca.publicKey, fingerprint: ca.fingerprint }));
}
