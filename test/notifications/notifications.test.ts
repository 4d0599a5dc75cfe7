import assert from 'node:assert/strict';
import { test } from 'node:test';
import { slackMessage } from '../../src/notifications/notification-fns.js';
import { type Harness, startHarness } from '../helpers/harness.js';
import { startHttpReceiver, startSmtpReceiver } from './receivers.js';

const SECRET = 'whsec-test-0123456789abcdef';
const BASE = 'https://breakglass.example.test';

/** An admin adds a channel, which must be accepted; returns it as the API answers it. */
async function addChannel(h: Harness, body: Record<string, unknown>) {
  const res = await h.api('admin', 'POST', '/api/notifications/channels', body);
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

test("who hears what: approvers, the requester and the environment's channel each get their events, signed, retried with backoff, audited", async (t) => {
  const http = await startHttpReceiver(t, SECRET);
  const smtp = await startSmtpReceiver(t);
  const h = await startHarness(t, {
    BREAKGLASS_PUBLIC_URL: BASE,
    BREAKGLASS_SMTP_URL: smtp.url,
    BREAKGLASS_MAIL_FROM: 'breakglass@example.test',
    BREAKGLASS_NOTIFY_RETRIES: '2',
    BREAKGLASS_NOTIFY_RETRY_DELAY_SECONDS: '1',
  });
  await addChannel(h, {
    environment: 'staging',
    name: 'ops',
    kind: 'webhook',
    target: `${http.url}/ok`,
    secret: SECRET,
    audiences: ['approvers', 'operations'],
  });
  const slack = await addChannel(h, { environment: 'staging', name: 'approvers-slack', kind: 'slack', target: `${http.url}/slack`, audiences: ['approvers'] });
  await addChannel(h, { environment: 'staging', name: 'approvers-mail', kind: 'email', target: 'approvers@example.test', audiences: ['approvers'] });
  await addChannel(h, {
    environment: 'staging',
    name: 'requester-hook',
    kind: 'webhook',
    target: `${http.url}/flaky`,
    secret: SECRET,
    audiences: ['requesters'],
  });
  const down = await addChannel(h, {
    environment: 'staging',
    name: 'down',
    kind: 'webhook',
    target: `${http.url}/down`,
    secret: SECRET,
    events: ['request.created'],
  });
  const prod = await addChannel(h, {
    environment: 'production',
    name: 'prod',
    kind: 'webhook',
    target: `${http.url}/prod`,
    secret: SECRET,
    audiences: ['approvers', 'requesters', 'operations'],
  });

  const listed = await h.api('admin', 'GET', '/api/notifications/channels');
  assert.ok(!JSON.stringify(listed.body).includes(SECRET), 'secrets are never returned');
  assert.equal(listed.body.find((c: { id: string }) => c.id === slack.id).target, `${http.url}/…`, 'a Slack URL is a secret too');
  assert.equal((await h.api('alice', 'GET', '/api/notifications/channels')).status, 403);
  assert.equal(
    (await h.api('admin', 'POST', '/api/notifications/channels', { environment: 'staging', name: 'x', kind: 'webhook', target: `${http.url}/ok` })).status,
    400,
    'a webhook needs a secret',
  );
  assert.equal(
    (
      await h.api('admin', 'POST', '/api/notifications/channels', {
        environment: 'staging',
        name: 'x',
        kind: 'email',
        target: 'not an address',
        events: ['request.created'],
      })
    ).status,
    400,
  );

  const requestId = await h.grant('staging-web-1', 10, 'alice', ['bob']);
  const sessionId = await h.openSession(requestId);
  const term = await h.attach(sessionId);
  term.send('exit\n');
  await term.waitForExit();

  const types = (path: string) => http.recorder.items.filter((d) => d.path === path && d.answered === 200).map((d) => d.json.type);
  await http.recorder.until(() => ['request.created', 'session.started', 'session.ended'].every((x) => types('/ok').includes(x)));
  const created = http.recorder.items.find((d) => d.path === '/ok' && d.json.type === 'request.created')!;
  assert.equal(created.signatureValid, true, 'HMAC-SHA256 over timestamp and body');
  assert.equal(created.headers['idempotency-key'], created.json.id);
  assert.equal(created.headers['x-breakglass-event'], 'request.created');
  assert.deepEqual(Object.keys(created.json).sort(), [
    'details',
    'durationMinutes',
    'emergency',
    'environment',
    'host',
    'id',
    'link',
    'occurredAt',
    'reason',
    'request',
    'requester',
    'schema',
    'ticket',
    'type',
  ]);
  assert.equal(created.json.schema, 'breakglass.notification.v1');
  assert.equal(created.json.host, 'staging-web-1');
  assert.equal(created.json.requester, 'alice');
  assert.equal(created.json.ticket, 'T-1');
  assert.equal(created.json.durationMinutes, 10);
  assert.equal(created.json.link, `${BASE}/requests/${requestId}`);
  for (const user of ['alice', 'bob']) {
    const token = await h.token(user);
    assert.ok(
      http.recorder.items.every((d) => !d.body.includes(token)),
      'no token in any message',
    );
  }

  // Slack: an incoming-webhook Block Kit message with a button to the request page.
  const slackBody = (await http.recorder.until((items) => items.some((d) => d.path === '/slack'))).find((d) => d.path === '/slack')!.json;
  assert.equal(typeof slackBody.text, 'string');
  assert.deepEqual(
    slackBody.blocks.map((b: { type: string }) => b.type),
    ['header', 'section', 'actions'],
  );
  assert.equal(slackBody.blocks[0].text.type, 'plain_text');
  assert.ok(slackBody.blocks[1].fields.every((f: { type: string; text: string }) => f.type === 'mrkdwn' && f.text.length <= 2000));
  assert.deepEqual(slackBody.blocks[2].elements[0], {
    type: 'button',
    text: { type: 'plain_text', text: 'Open the request' },
    url: `${BASE}/requests/${requestId}`,
    action_id: 'open_request',
  });

  // E-mail: plain text and HTML, both with the link.
  const [mail] = await smtp.recorder.until((items) => items.length >= 1);
  assert.deepEqual(mail!.to, ['approvers@example.test']);
  assert.match(mail!.text, /Subject: Access requested: staging-web-1 \(staging\)/);
  assert.match(mail!.text, /Content-Type: text\/plain/);
  assert.match(mail!.text, /Content-Type: text\/html/);
  assert.ok(mail!.text.includes(`Open the request: ${BASE}/requests/${requestId}`));
  assert.ok(mail!.text.includes(`<a href="${BASE}/requests/${requestId}">`));

  // The requester's hook fails twice, then takes the approval: three attempts, each audited.
  await http.recorder.until((items) => items.some((d) => d.path === '/flaky' && d.answered === 200));
  assert.deepEqual(
    http.recorder.items.filter((d) => d.path === '/flaky').map((d) => [d.json.type, d.answered]),
    [
      ['request.approved', 500],
      ['request.approved', 500],
      ['request.approved', 200],
    ],
  );
  const flakyIds = new Set(http.recorder.items.filter((d) => d.path === '/flaky').map((d) => d.headers['idempotency-key']));
  assert.equal(flakyIds.size, 1, 'the same idempotency key on every retry');
  const approvedDelivery = await h.eventually(
    () => h.prisma.notificationDelivery.findFirst({ where: { eventType: 'request.approved' } }),
    (d) => d?.status === 'delivered',
    'delivered',
  );
  assert.equal(approvedDelivery!.attempts, 3);
  const audit = await h.prisma.auditEvent.findMany({ where: { subjectId: approvedDelivery!.id }, orderBy: { id: 'asc' } });
  assert.deepEqual(
    audit.map((e) => e.type),
    ['notification.failed', 'notification.failed', 'notification.delivered'],
  );

  // The hook that is always down: failed for good after the retries, visible to admins.
  const failed = await h.eventually(
    () => h.api('admin', 'GET', '/api/notifications/deliveries?status=failed'),
    (r) => r.body.length === 1,
    'the failed delivery',
  );
  assert.equal(failed.body[0].channel, 'down');
  assert.equal(failed.body[0].attempts, 3);
  assert.match(failed.body[0].lastError, /HTTP 503/);
  assert.equal((await h.api('bob', 'GET', '/api/notifications/deliveries')).status, 403);
  assert.equal(await h.prisma.notificationDelivery.count({ where: { channelId: down.id } }), 1);
  assert.match(await (await fetch(`${h.url}/metrics`)).text(), /^breakglass_notifications_failed 1$/m);

  // Other environments hear nothing of staging.
  assert.equal(await h.prisma.notificationDelivery.count({ where: { channelId: prod.id } }), 0);
});

test('emergency access is told to every channel of the environment, whatever it subscribed to', async (t) => {
  const http = await startHttpReceiver(t, SECRET);
  const h = await startHarness(t, { BREAKGLASS_PUBLIC_URL: BASE });
  await h.api('admin', 'PUT', '/api/policies/staging', { approvalsRequired: 1, minDurationMinutes: 1, maxDurationMinutes: 240, emergencyAllowed: true });
  for (const [name, audience] of [
    ['a', 'requesters'],
    ['b', 'operations'],
  ]) {
    await addChannel(h, {
      environment: 'staging',
      name,
      kind: 'webhook',
      target: `${http.url}/${name}`,
      secret: SECRET,
      audiences: [audience],
    });
  }
  const res = await h.api('alice', 'POST', '/api/requests', { hostId: await h.hostId('staging-db-1'), reason: 'outage', durationMinutes: 10, emergency: true });
  assert.equal(res.status, 201);
  const items = await http.recorder.until((all) => ['/a', '/b'].every((p) => all.some((d) => d.path === p && d.json.type === 'emergency.granted')));
  const told = items.find((d) => d.path === '/a')!.json;
  assert.equal(told.emergency, true);
  assert.equal(told.reason, 'outage');
  assert.ok(told.details.reviewDueAt);
});

test('Slack text is escaped: a reason cannot mention @channel or make links', () => {
  const msg = slackMessage({
    schema: 'breakglass.notification.v1',
    id: 'x',
    type: 'request.created',
    occurredAt: '',
    environment: 'e',
    host: 'h',
    requester: 'r',
    reason: '<!channel> see <http://evil|here> & more',
    ticket: null,
    durationMinutes: 5,
    emergency: false,
    request: { id: 'i', status: 'pending', expiresAt: null },
    link: 'https://b/requests/i',
    details: {},
  });
  const reason = msg.blocks[1]!.fields!.find((f) => f.text.startsWith('*Reason*'))!.text;
  assert.equal(reason, '*Reason*\n&lt;!channel&gt; see &lt;http://evil|here&gt; &amp; more');
});

test("approved, denied and expired reach the requester in person, at their own address and no one else's; no address, no mail; a bounce is retried, audited and listed", async (t) => {
  const smtp = await startSmtpReceiver(t);
  const h = await startHarness(t, {
    BREAKGLASS_PUBLIC_URL: BASE,
    BREAKGLASS_SMTP_URL: smtp.url,
    BREAKGLASS_MAIL_FROM: 'breakglass@example.test',
    BREAKGLASS_NOTIFY_RETRIES: '1',
    BREAKGLASS_NOTIFY_RETRY_DELAY_SECONDS: '1',
  });
  await h.prisma.user.update({ where: { username: 'alice' }, data: { email: 'alice@example.test' } });
  for (const approver of ['bob', 'carol']) await h.prisma.user.update({ where: { username: approver }, data: { email: `${approver}@example.test` } });
  const ask = async (host: string, requester = 'alice') => {
    const res = await h.api(requester, 'POST', '/api/requests', { hostId: await h.hostId(host), reason: 'in person', ticket: 'T-9', durationMinutes: 5 });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.id as string;
  };

  const approved = await h.grant('staging-web-1', 10, 'alice', ['bob', 'carol']);
  const denied = await ask('staging-web-2');
  assert.equal((await h.api('bob', 'POST', `/api/requests/${denied}/deny`, { comment: 'not now' })).status, 200);
  const expired = await ask('staging-db-1');
  await h.prisma.accessRequest.update({ where: { id: expired }, data: { pendingUntil: new Date(Date.now() - 1000) } });
  await h.broker.services.access.expirePending(expired);
  // erin has no address: her approval is told to nobody in person, and nothing fails.
  const erins = await h.grant('prod-web-1', 10, 'erin', ['bob', 'carol']);

  const mails = await smtp.recorder.until((items) => items.length >= 3);
  assert.deepEqual(
    mails.map((m) => m.to),
    [['alice@example.test'], ['alice@example.test'], ['alice@example.test']],
    "only the requester's own address",
  );
  const subjects = mails.map((m) => /^Subject: (.*)$/m.exec(m.text)![1]).sort();
  assert.deepEqual(subjects, [
    'Access approved: staging-web-1 (staging)',
    'Access denied: staging-web-2 (staging)',
    'Request expired unanswered: staging-db-1 (staging)',
  ]);
  for (const [id, m] of [approved, denied, expired].map((id) => [id, mails.find((x) => x.text.includes(`/requests/${id}`))] as const)) {
    assert.ok(m, `the mail of ${id} links to its request`);
    assert.ok(m.text.includes(`Open the request: ${BASE}/requests/${id}`));
  }
  for (const user of ['alice', 'bob', 'carol']) {
    const token = await h.token(user);
    assert.ok(
      mails.every((m) => !m.raw.includes(token)),
      'no token in any message',
    );
  }

  // Each delivery is a row of its own, to the user, audited; the admins' list names the user.
  const delivered = await h.eventually(
    () => h.api('admin', 'GET', '/api/notifications/deliveries?status=delivered'),
    (r) => r.body.length === 3,
    'three deliveries in person',
  );
  assert.ok(
    delivered.body.every((d: { channel: string | null; user: string; kind: string }) => d.channel === null && d.user === 'alice' && d.kind === 'email'),
  );
  assert.deepEqual(delivered.body.map((d: { requestId: string }) => d.requestId).sort(), [approved, denied, expired].sort());
  const audited = await h.prisma.auditEvent.findMany({ where: { type: 'notification.delivered' } });
  assert.equal(audited.length, 3);
  assert.ok(audited.every((e) => (e.data as { user?: string }).user === 'alice'));
  assert.equal(await h.prisma.notificationDelivery.count({ where: { payload: { path: ['request', 'id'], equals: erins } } }), 0);
  assert.equal((await h.api('admin', 'GET', '/api/notifications/deliveries?status=failed')).body.length, 0);
  assert.equal((await h.api('admin', 'GET', '/api/notifications/deliveries?status=pending')).body.length, 0);
  assert.equal(smtp.recorder.items.length, 3, 'no fourth mail');

  // An address that bounces: retried, then failed for good, audited and listed for admins by the user's name.
  await h.prisma.user.update({ where: { username: 'erin' }, data: { email: 'bounce@example.test' } });
  const bounced = await h.grant('prod-web-2', 10, 'erin', ['bob', 'carol']);
  const failed = await h.eventually(
    () => h.api('admin', 'GET', '/api/notifications/deliveries?status=failed'),
    (r) => r.body.length === 1,
    'the bounced delivery',
  );
  assert.deepEqual([failed.body[0].channel, failed.body[0].user, failed.body[0].requestId, failed.body[0].attempts], [null, 'erin', bounced, 2]);
  assert.match(failed.body[0].lastError, /550/);
  const attempts = await h.prisma.auditEvent.findMany({ where: { subjectId: failed.body[0].id }, orderBy: { id: 'asc' } });
  assert.deepEqual(
    attempts.map((e) => [e.type, (e.data as { user: string }).user, (e.data as { final: boolean }).final]),
    [
      ['notification.failed', 'erin', false],
      ['notification.failed', 'erin', true],
    ],
  );

  // A disabled requester is told nothing in person though she has an address: erin asks, is disabled, is denied.
  await h.prisma.user.update({ where: { username: 'erin' }, data: { email: 'erin@example.test' } });
  const disabledAsk = await ask('prod-db-1', 'erin');
  const erin = await h.prisma.user.findUniqueOrThrow({ where: { username: 'erin' } });
  assert.equal((await h.api('admin', 'POST', `/api/users/${erin.id}/disable`)).status, 200);
  assert.equal((await h.api('bob', 'POST', `/api/requests/${disabledAsk}/deny`, { comment: 'gone' })).status, 200);
  // The delivery rows are written in the denial's own transaction: none means no mail, ever.
  assert.equal(
    await h.prisma.notificationDelivery.count({ where: { userId: erin.id, payload: { path: ['request', 'id'], equals: disabledAsk } } }),
    0,
    'no delivery to a disabled requester',
  );
  assert.ok(smtp.recorder.items.every((m) => !m.to.includes('erin@example.test')));
});

test('admins change a channel in place (its secret kept unless replaced) and remove it; bad changes change nothing', async (t) => {
  const http = await startHttpReceiver(t, SECRET);
  const h = await startHarness(t, { BREAKGLASS_PUBLIC_URL: BASE });
  const added = await addChannel(h, {
    environment: 'staging',
    name: 'old name',
    kind: 'webhook',
    target: `${http.url}/old`,
    secret: SECRET,
    audiences: ['operations'],
  });
  const path = `/api/notifications/channels/${added.id}`;
  const patch = (user: string, body: unknown, at = path) => h.api(user, 'PATCH', at, body);

  assert.equal((await patch('alice', { name: 'x' })).status, 403);
  assert.equal((await patch('admin', {})).status, 400, 'nothing to change');
  assert.equal((await patch('admin', { kind: 'slack' })).status, 400, 'the kind stays');
  assert.equal((await patch('admin', { target: 'ftp://example.test/x' })).status, 400);
  assert.equal((await patch('admin', { events: [] })).status, 400);
  assert.equal((await patch('admin', { name: 'x' }, '/api/notifications/channels/00000000-0000-4000-8000-000000000000')).status, 404);
  assert.deepEqual((await h.api('admin', 'GET', '/api/notifications/channels')).body, [added], 'bad changes change nothing');

  const changed = await patch('admin', { name: 'on-call', target: `${http.url}/new`, events: ['request.created'] });
  assert.equal(changed.status, 200, JSON.stringify(changed.body));
  assert.deepEqual(changed.body, { ...added, name: 'on-call', target: `${http.url}/new`, events: ['request.created'] });
  const audit = await h.prisma.auditEvent.findFirstOrThrow({ where: { type: 'notification.channel_changed', subjectId: added.id } });
  assert.deepEqual((audit.data as { changed: string[] }).changed, ['name', 'target', 'events']);
  assert.ok(!JSON.stringify(audit.data).includes(SECRET));

  await h.api('alice', 'POST', '/api/requests', { hostId: await h.hostId('staging-web-1'), reason: 'r', durationMinutes: 5 });
  const [told] = await http.recorder.until((items) => items.length >= 1);
  assert.equal(told!.path, '/new');
  assert.equal(told!.json.type, 'request.created');
  assert.equal(told!.signatureValid, true, 'signed with the secret it kept');

  assert.equal((await h.api('admin', 'DELETE', path)).status, 204);
  assert.equal((await h.api('admin', 'DELETE', path)).status, 404);
  assert.equal((await patch('admin', { name: 'back' })).status, 404);
  assert.deepEqual((await h.api('admin', 'GET', '/api/notifications/channels')).body, []);
});
