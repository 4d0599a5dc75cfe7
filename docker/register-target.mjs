// docker-compose helper: registers the sample target with the broker through
// the admin API (demo admin), pinned to the host key the target published.
// Runs once; an existing host of that name is left as it is.
import { readFileSync } from 'node:fs';

const { BROKER_URL, TARGET_NAME, TARGET_ADDRESS, TARGET_LOGIN, TARGET_HOST_KEY_FILE } = process.env;

async function call(method, path, body, token) {
  const res = await fetch(BROKER_URL + path, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

const login = await call('POST', '/api/auth/login', { username: 'admin', password: 'demo' });
if (login.status !== 200) throw new Error(`login as admin: ${JSON.stringify(login.body)}`);
const token = login.body.token;

let image = (await call('GET', '/api/images', undefined, token)).body.find((i) => i.name === 'ssh-target');
if (!image) {
  const created = await call('POST', '/api/images', { name: 'ssh-target', version: '1', source: 'docker/ssh-target' }, token);
  if (created.status !== 201) throw new Error(`image: ${JSON.stringify(created.body)}`);
  image = created.body;
}

const host = await call(
  'POST',
  '/api/hosts',
  {
    name: TARGET_NAME,
    environment: 'staging',
    imageId: image.id,
    connector: 'ssh',
    connectorConfig: {
      address: TARGET_ADDRESS,
      port: 22,
      login: TARGET_LOGIN,
      hostKey: readFileSync(TARGET_HOST_KEY_FILE, 'utf8').trim(),
      // The sample cannot recreate its own container: it only says what a real provider would do.
      replacement: { provider: 'command', argv: ['/bin/sh', '-c', 'echo "replace $HOST_NAME: recreate its container from image $HOST_IMAGE_NAME"'] },
    },
  },
  token,
);
if (host.status === 409) console.log(`register-target: ${TARGET_NAME} is already registered`);
else if (host.status !== 201) throw new Error(`host: ${JSON.stringify(host.body)}`);
else console.log(`register-target: registered ${TARGET_NAME} (${TARGET_ADDRESS}), pinned to its host key`);
