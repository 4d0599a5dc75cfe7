// Evidence over HTTP: the signing key's public half, a session's signed
// manifest, its exact recording, its evidence check and bundle (docs/api.md, "Evidence").
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { requireRole } from '../auth/auth-plugin.js';
import { ConflictError } from '../errors.js';
import { ErrorSchema, errorResponses, IdParams } from '../schemas.js';
import type { SessionService } from '../terminal/session-service.js';
import type { AuditCheckpoints } from './audit-checkpoints.js';
import type { EvidenceService } from './evidence-service.js';

const Errors = errorResponses(400, 401, 403, 404);

export const EvidenceKeySchema = Type.Object({
  publicKey: Type.String(),
  fingerprint: Type.String(),
  allowedSigners: Type.String(),
  namespaces: Type.Object({ recording: Type.String(), audit: Type.String() }),
});

export const EvidenceReportSchema = Type.Object({
  ok: Type.Boolean(),
  problems: Type.Array(Type.String()),
  manifestHash: Type.Union([Type.String(), Type.Null()]),
  keyFingerprint: Type.String(),
  signatureValid: Type.Boolean(),
  chunks: Type.Integer(),
  bytesIn: Type.Integer(),
  bytesOut: Type.Integer(),
});

const CheckpointSchema = Type.Object({
  eventId: Type.String(),
  count: Type.Integer(),
  hash: Type.String(),
  at: Type.String(),
  payload: Type.String(),
  signature: Type.String(),
  keyFingerprint: Type.String(),
});

type Opts = { evidence: EvidenceService; sessions: SessionService; checkpoints: AuditCheckpoints };

export default async function evidenceRoutes(app: FastifyInstance, { evidence, sessions, checkpoints }: Opts) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const auditorOrAdmin = [app.authenticate, requireRole('auditor', 'admin')];

  /** The cast header's facts, after the caller was allowed to see the session. */
  async function castOf(user: Parameters<SessionService['get']>[0], id: string) {
    const view = await sessions.get(user, id);
    const row = await sessions.row(view.id);
    return { view, cast: { id: view.id, cols: row.cols, rows: row.rows, startedAt: row.startedAt, title: `${view.user}@${view.hostName} (${view.id})` } };
  }

  r.get('/api/evidence/key', { preValidation: app.authenticate, schema: { response: { 200: EvidenceKeySchema, 401: ErrorSchema } } }, async () =>
    evidence.publicKey(),
  );

  r.get(
    '/api/sessions/:id/manifest',
    {
      preValidation: auditorOrAdmin,
      schema: {
        params: IdParams,
        response: {
          200: Type.Object({ manifest: Type.String(), hash: Type.String(), signature: Type.String(), keyFingerprint: Type.String(), createdAt: Type.String() }),
          ...Errors,
        },
      },
    },
    async (request) => {
      await sessions.get(request.auth, request.params.id);
      return evidence.manifest(request.params.id);
    },
  );

  r.get('/api/sessions/:id/recording/exact', { preValidation: app.authenticate, schema: { params: IdParams, response: Errors } }, async (request, reply) => {
    const { view } = await castOf(request.auth, request.params.id);
    reply.type('application/x-ndjson');
    reply.header('content-disposition', `attachment; filename="breakglass-${view.hostName}-${view.id}.jsonl"`);
    return reply.send(evidence.exact(view.id) as never);
  });

  r.get(
    '/api/sessions/:id/evidence/verify',
    { preValidation: auditorOrAdmin, schema: { params: IdParams, response: { 200: EvidenceReportSchema, ...Errors } } },
    async (request) => {
      await sessions.get(request.auth, request.params.id);
      return evidence.check(request.params.id);
    },
  );

  r.get('/api/sessions/:id/evidence', { preValidation: auditorOrAdmin, schema: { params: IdParams, response: Errors } }, async (request, reply) => {
    const { cast } = await castOf(request.auth, request.params.id);
    const bundle = await evidence.bundle(cast);
    reply.type('application/x-tar');
    reply.header('content-disposition', `attachment; filename="${bundle.name}.tar"`);
    return reply.send(bundle.stream as never);
  });

  r.get(
    '/api/audit/checkpoints',
    { preValidation: auditorOrAdmin, schema: { response: { 200: Type.Array(CheckpointSchema), 401: ErrorSchema, 403: ErrorSchema } } },
    async () => checkpoints.list(),
  );

  /** On demand (admin): signs the audit chain's head now. */
  r.post(
    '/api/audit/checkpoints',
    {
      preValidation: [app.authenticate, requireRole('admin')],
      schema: {
        response: {
          201: Type.Object({ eventId: Type.String(), count: Type.Integer(), hash: Type.String(), at: Type.String() }),
          401: ErrorSchema,
          403: ErrorSchema,
          409: ErrorSchema,
        },
      },
    },
    async (_request, reply) => {
      const made = await checkpoints.checkpoint();
      if (!made) throw new ConflictError('The audit trail is empty: there is nothing to sign yet.', 'audit_empty');
      return reply.code(201).send({ eventId: made.eventId, count: made.count, hash: made.hash, at: made.at });
    },
  );
}
