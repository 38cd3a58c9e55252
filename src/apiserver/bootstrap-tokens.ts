// Join tokens for `ordinal agent`, as upstream's bootstrap tokens: `<id>.<secret>` ([a-z0-9]{6} and
// [a-z0-9]{16}) backed by a Secret `bootstrap-token-<id>` in kube-system of type
// bootstrap.kubernetes.io/token. The token authenticates as `system:bootstrap:<id>` (groups
// system:bootstrappers plus the Secret's auth-extra-groups) while the Secret exists, allows
// authentication (usage-bootstrap-authentication: "true") and is not past its expiration —
// deleting the Secret revokes it. `ordinal up` creates one at first start, keeps it in
// <data dir>/join-token (0600) and prints how to join a node with it. Unlike upstream there is no
// TLS bootstrap afterwards (no CSR, no RBAC yet): the agent keeps using the join token.
import { randomInt, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { User } from './auth.js';

export const BOOTSTRAP_TOKEN_RE = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
export const BOOTSTRAP_SECRET_TYPE = 'bootstrap.kubernetes.io/token';
export const NODE_JOIN_GROUP = 'system:bootstrappers:ordinal:default-node-token';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const random = (n: number) => Array.from({ length: n }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');

export function generateBootstrapToken(): string {
  return `${random(6)}.${random(16)}`;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** The Secret backing a token (the fields kubeadm writes; no expiration: a standing join token). */
export function bootstrapTokenSecret(token: string, description = 'ordinal: joins node agents (bin/ordinal agent --token)'): Record<string, unknown> {
  const m = BOOTSTRAP_TOKEN_RE.exec(token);
  if (!m) throw new Error('a bootstrap token has the form [a-z0-9]{6}.[a-z0-9]{16}');
  return {
    apiVersion: 'v1', kind: 'Secret',
    metadata: { name: `bootstrap-token-${m[1]}`, namespace: 'kube-system' },
    type: BOOTSTRAP_SECRET_TYPE,
    data: {
      description: b64(description),
      'token-id': b64(m[1]!),
      'token-secret': b64(m[2]!),
      'usage-bootstrap-authentication': b64('true'),
      'usage-bootstrap-signing': b64('true'),
      'auth-extra-groups': b64(NODE_JOIN_GROUP),
    },
  };
}

interface SecretLike { type?: string; data?: Record<string, string> }

/** The user a bootstrap token authenticates as, given a way to read kube-system Secrets by name. */
export async function lookupBootstrapToken(token: string, getSecret: (name: string) => Promise<SecretLike | undefined>, now = Date.now()): Promise<User | undefined> {
  const m = BOOTSTRAP_TOKEN_RE.exec(token);
  if (!m) return undefined;
  const [, id, secret] = m as unknown as [string, string, string];
  const s = await getSecret(`bootstrap-token-${id}`);
  if (!s || s.type !== BOOTSTRAP_SECRET_TYPE) return undefined;
  const field = (k: string) => (s.data?.[k] !== undefined ? Buffer.from(s.data[k]!, 'base64').toString('utf8') : undefined);
  if (field('token-id') !== id) return undefined;
  const want = Buffer.from(field('token-secret') ?? '');
  const given = Buffer.from(secret);
  if (want.length !== given.length || !timingSafeEqual(want, given)) return undefined;
  if (field('usage-bootstrap-authentication') !== 'true') return undefined;
  const exp = field('expiration');
  if (exp && !(Date.parse(exp) > now)) return undefined;
  const extra = (field('auth-extra-groups') ?? '').split(',').map((g) => g.trim()).filter((g) => g.startsWith('system:bootstrappers:'));
  return { name: `system:bootstrap:${id}`, groups: ['system:bootstrappers', ...extra, 'system:authenticated'] };
}

/**
 * The cluster's standing join token: the one in <dataDir>/join-token while its Secret exists;
 * otherwise (first start, or the Secret was deleted to revoke it) a new one, written there (0600).
 */
export async function ensureJoinToken(dataDir: string, secretExists: (name: string) => Promise<boolean>, createSecret: (secret: Record<string, unknown>) => Promise<void>): Promise<{ token: string; file: string }> {
  const file = join(dataDir, 'join-token');
  const stored = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
  const m = BOOTSTRAP_TOKEN_RE.exec(stored);
  if (m && await secretExists(`bootstrap-token-${m[1]}`)) return { token: stored, file };
  const token = generateBootstrapToken();
  await createSecret(bootstrapTokenSecret(token));
  writeFileSync(file, token + '\n', { mode: 0o600 });
  return { token, file };
}
