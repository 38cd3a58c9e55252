// ServiceAccount tokens (POST serviceaccounts/{name}/token, `kubectl create token`). A token is an
// opaque random bearer string; the store keeps only its SHA-256 (under /registry/ordinal-tokens/)
// with the ServiceAccount it speaks for and its expiry, so tokens survive restarts and die with
// their ServiceAccount (the uid must still match).
import { createHash, randomBytes } from 'node:crypto';
import type { KubeObject } from '../machinery/object.js';
import { StoreError, type Store } from '../storage/store.js';
import type { User } from './auth.js';

const PREFIX = '/registry/ordinal-tokens/';

interface TokenRecord { namespace: string; name: string; uid: string; exp: number; audiences?: string[] }

const hash = (t: string) => createHash('sha256').update(t).digest('hex');

export class ServiceAccountTokens {
  constructor(private readonly store: Store, private readonly saKey: (namespace: string, name: string) => string) {}

  async issue(sa: KubeObject, expirationSeconds: number, audiences: string[] | undefined, now: Date): Promise<{ token: string; expirationTimestamp: string }> {
    const token = `ordsa.${randomBytes(32).toString('base64url')}`;
    const exp = now.getTime() + expirationSeconds * 1000;
    const rec: TokenRecord = { namespace: sa.metadata.namespace!, name: sa.metadata.name!, uid: sa.metadata.uid!, exp, audiences };
    await this.store.create(PREFIX + hash(token), JSON.stringify(rec));
    return { token, expirationTimestamp: new Date(exp).toISOString().replace(/\.\d{3}Z$/, 'Z') };
  }

  /** The user a token authenticates as, if it is ours, unexpired, and its ServiceAccount still exists. */
  async lookup(token: string): Promise<User | undefined> {
    if (!token.startsWith('ordsa.')) return undefined;
    const key = PREFIX + hash(token);
    const kv = await this.store.get(key);
    if (!kv) return undefined;
    const rec = JSON.parse(kv.value) as TokenRecord;
    if (rec.exp < Date.now()) {
      await this.store.delete(key, kv.modRevision).catch((e) => { if (!(e instanceof StoreError)) throw e; });
      return undefined;
    }
    const sa = await this.store.get(this.saKey(rec.namespace, rec.name));
    if (!sa || (JSON.parse(sa.value) as KubeObject).metadata.uid !== rec.uid) return undefined;
    return {
      name: `system:serviceaccount:${rec.namespace}:${rec.name}`,
      groups: ['system:serviceaccounts', `system:serviceaccounts:${rec.namespace}`, 'system:authenticated'],
    };
  }
}
