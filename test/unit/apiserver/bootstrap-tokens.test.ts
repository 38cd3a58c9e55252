// Join tokens: upstream bootstrap-token format and Secret fields; authentication only while the
// Secret exists, matches, allows authentication and has not expired; a deleted Secret rotates the
// stored token at the next start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateBootstrapToken, bootstrapTokenSecret, lookupBootstrapToken, ensureJoinToken, BOOTSTRAP_TOKEN_RE } from '../../../src/apiserver/bootstrap-tokens.js';

type S = { type?: string; data?: Record<string, string> };

test('tokens have the bootstrap-token form; the Secret carries kubeadm\'s fields', () => {
  const t = generateBootstrapToken();
  assert.match(t, BOOTSTRAP_TOKEN_RE);
  assert.notEqual(generateBootstrapToken(), t);
  const s = bootstrapTokenSecret(t) as { metadata: { name: string; namespace: string }; type: string; data: Record<string, string> };
  assert.equal(s.metadata.name, `bootstrap-token-${t.slice(0, 6)}`);
  assert.equal(s.metadata.namespace, 'kube-system');
  assert.equal(s.type, 'bootstrap.kubernetes.io/token');
  const f = (k: string) => Buffer.from(s.data[k]!, 'base64').toString();
  assert.equal(f('token-id'), t.slice(0, 6));
  assert.equal(f('token-secret'), t.slice(7));
  assert.equal(f('usage-bootstrap-authentication'), 'true');
  assert.throws(() => bootstrapTokenSecret('nope'));
});

test('lookup: user system:bootstrap:<id> while the Secret matches; wrong secret, disabled usage, expiry or no Secret fail', async () => {
  const t = 'abcdef.0123456789abcdef';
  const secret = bootstrapTokenSecret(t) as S;
  const get = (s: S | undefined) => async (name: string) => (name === 'bootstrap-token-abcdef' ? s : undefined);
  assert.deepEqual(await lookupBootstrapToken(t, get(secret)), {
    name: 'system:bootstrap:abcdef', groups: ['system:bootstrappers', 'system:bootstrappers:ordinal:default-node-token', 'system:authenticated'],
  });
  assert.equal(await lookupBootstrapToken('abcdef.0123456789abcdee', get(secret)), undefined);
  assert.equal(await lookupBootstrapToken(t, get(undefined)), undefined);
  assert.equal(await lookupBootstrapToken(t, get({ ...secret, type: 'Opaque' })), undefined);
  const b64 = (x: string) => Buffer.from(x).toString('base64');
  assert.equal(await lookupBootstrapToken(t, get({ ...secret, data: { ...secret.data, 'usage-bootstrap-authentication': b64('false') } })), undefined);
  const exp = (iso: string) => get({ ...secret, data: { ...secret.data, expiration: b64(iso) } });
  assert.equal(await lookupBootstrapToken(t, exp('2020-01-01T00:00:00Z')), undefined);
  assert.ok(await lookupBootstrapToken(t, exp('2999-01-01T00:00:00Z')));
  assert.equal(await lookupBootstrapToken('not-a-token', get(secret)), undefined);
});

test('ensureJoinToken keeps the stored token while its Secret exists and rotates it once deleted', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ordinal-jointoken-'));
  try {
    const secrets = new Map<string, unknown>();
    const exists = async (n: string) => secrets.has(n);
    const create = async (s: Record<string, unknown>) => { secrets.set((s.metadata as { name: string }).name, s); };
    const a = await ensureJoinToken(dir, exists, create);
    assert.match(a.token, BOOTSTRAP_TOKEN_RE);
    assert.equal(readFileSync(a.file, 'utf8'), a.token + '\n');
    assert.equal(statSync(a.file).mode & 0o777, 0o600);
    assert.equal((await ensureJoinToken(dir, exists, create)).token, a.token);
    secrets.clear(); // revoked
    const b = await ensureJoinToken(dir, exists, create);
    assert.notEqual(b.token, a.token);
    assert.ok(secrets.has(`bootstrap-token-${b.token.slice(0, 6)}`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
