// TLS material is generated once and reused; a new listen host re-issues the serving cert under
// the same CA. Admin tokens persist with mode 0600; bearer parsing is strict.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { loadOrCreateTls } from '../../../src/apiserver/certs.js';
import { loadOrCreateToken, TokenAuthenticator, isPublicPath } from '../../../src/apiserver/auth.js';

test('certs: generated once, reused, re-issued for a new host under the same CA', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ordinal-certs-'));
  try {
    const a = await loadOrCreateTls(dir);
    const cert = new X509Certificate(a.certPem);
    const ca = new X509Certificate(a.caPem);
    assert.ok(cert.verify(ca.publicKey), 'serving cert signed by the CA');
    assert.match(cert.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
    assert.match(cert.subjectAltName ?? '', /DNS:localhost/);
    assert.equal(ca.ca, true);
    assert.equal(statSync(join(dir, 'pki', 'apiserver.key')).mode & 0o777, 0o600);
    const b = await loadOrCreateTls(dir);
    assert.equal(b.certPem, a.certPem);
    const c = await loadOrCreateTls(dir, ['10.1.2.3']);
    assert.notEqual(c.certPem, a.certPem);
    assert.match(new X509Certificate(c.certPem).subjectAltName ?? '', /IP Address:10\.1\.2\.3/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('admin token: persisted 0600, reused; authenticator accepts only exact bearer tokens', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ordinal-token-'));
  try {
    const t = loadOrCreateToken(dir);
    assert.equal(loadOrCreateToken(dir), t);
    assert.equal(statSync(join(dir, 'admin-token')).mode & 0o777, 0o600);
    const auth = new TokenAuthenticator(t);
    assert.equal(auth.authenticate(`Bearer ${t}`)?.name, 'admin');
    assert.equal(auth.authenticate(`bearer ${t}`)?.name, 'admin');
    assert.equal(auth.authenticate(`Bearer ${t}x`), undefined);
    assert.equal(auth.authenticate(`Basic ${t}`), undefined);
    assert.equal(auth.authenticate(undefined), undefined);
    auth.setLookup(async (tok) => (tok === 'dyn' ? { name: 'sa', groups: [] } : undefined));
    assert.equal((await auth.authenticateAsync('Bearer dyn'))?.name, 'sa');
    assert.equal(await auth.authenticateAsync('Bearer nope'), undefined);
    assert.ok(isPublicPath('/readyz') && isPublicPath('/livez') && isPublicPath('/healthz'));
    assert.ok(!isPublicPath('/version') && !isPublicPath('/api'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
