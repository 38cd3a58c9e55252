// Bearer-token authentication. The admin token is generated at first start and kept in the data
// dir (mode 0600); every request except the health endpoints must present it.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export function loadOrCreateToken(dataDir: string): string {
  const file = join(dataDir, 'admin-token');
  if (existsSync(file)) {
    const t = readFileSync(file, 'utf8').trim();
    if (t) return t;
  }
  mkdirSync(dataDir, { recursive: true });
  const token = randomBytes(32).toString('base64url');
  writeFileSync(file, token + '\n', { mode: 0o600 });
  return token;
}

/** Paths served without credentials (upstream's system:public-info-viewer minus /version). */
export function isPublicPath(pathname: string): boolean {
  return pathname === '/healthz' || pathname === '/livez' || pathname === '/readyz'
    || pathname.startsWith('/healthz/') || pathname.startsWith('/livez/') || pathname.startsWith('/readyz/');
}

export interface User { name: string; groups: string[] }

export class TokenAuthenticator {
  /** Static tokens with their bytes (compared in constant time on every request). */
  private readonly tokens = new Map<string, { user: User; bytes: Buffer }>();
  /** Dynamic tokens (ServiceAccount tokens), looked up when no static token matches; cached briefly. */
  private lookup?: (token: string) => Promise<User | undefined>;
  private readonly cache = new Map<string, { user?: User; until: number }>();

  constructor(adminToken: string) {
    this.add(adminToken, { name: 'admin', groups: ['system:masters', 'system:authenticated'] });
  }

  /** Adds a token (e.g. for a node agent or a controller on another machine). */
  add(token: string, user: User): void {
    this.tokens.set(token, { user, bytes: Buffer.from(token) });
  }

  setLookup(fn: (token: string) => Promise<User | undefined>): void {
    this.lookup = fn;
  }

  /** Static tokens, then the dynamic lookup (results cached for 10 s). */
  async authenticateAsync(authorization: string | undefined): Promise<User | undefined> {
    const u = this.authenticate(authorization);
    if (u || !this.lookup || !authorization) return u;
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!m) return undefined;
    const token = m[1]!;
    const hit = this.cache.get(token);
    if (hit && hit.until > Date.now()) return hit.user;
    let user: User | undefined;
    try {
      user = await this.lookup(token);
    } catch {
      return undefined;
    }
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(token, { user, until: Date.now() + 10_000 });
    return user;
  }

  authenticate(authorization: string | undefined): User | undefined {
    if (!authorization) return undefined;
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!m) return undefined;
    const given = Buffer.from(m[1]!);
    for (const { user, bytes } of this.tokens.values()) {
      if (bytes.length === given.length && timingSafeEqual(bytes, given)) return user;
    }
    return undefined;
  }
}
