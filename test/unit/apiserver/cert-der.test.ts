// The hand-laid certificates: a chain node's X509Certificate and a real TLS handshake accept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { generateTlsSync } from '../../../src/apiserver/cert-der.js';

test('CA and serving certificate: chain, SANs, CA flag, validity', () => {
  const m = generateTlsSync(['127.0.0.1', 'localhost', '::1', '10.0.0.7', 'api.example']);
  const ca = new X509Certificate(m.caPem);
  const cert = new X509Certificate(m.certPem);
  assert.equal(ca.ca, true);
  assert.equal(cert.ca, false);
  assert.equal(ca.subject, 'CN=ordinal-ca');
  assert.equal(cert.subject, 'CN=ordinal-apiserver');
  assert.ok(ca.verify(ca.publicKey), 'CA is self-signed');
  assert.ok(cert.checkIssued(ca) && cert.verify(ca.publicKey), 'serving cert is signed by the CA');
  for (const ip of ['127.0.0.1', '::1', '10.0.0.7']) assert.equal(cert.checkIP(ip), ip);
  assert.equal(cert.checkHost('api.example', { subject: 'never' }), 'api.example');
  assert.equal(cert.checkIP('127.0.0.2'), undefined);
  assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.1']); // serverAuth
  const years = (new Date(cert.validTo).getTime() - Date.now()) / (365 * 86400_000);
  assert.ok(years > 4.9 && years < 5.1, `serving cert valid ~5 years, got ${years}`);
  assert.ok(m.keyPem.startsWith('-----BEGIN PRIVATE KEY-----'));
  assert.equal(cert.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
});

test('a TLS client trusting only the CA connects to a server using the certificate', async () => {
  const m = generateTlsSync(['127.0.0.1', 'localhost']);
  const srv = https.createServer({ cert: m.certPem, key: m.keyPem }, (_q, r) => r.end('ok'));
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  try {
    const port = (srv.address() as AddressInfo).port;
    const body = await new Promise<string>((resolve, reject) => {
      https.get({ host: '127.0.0.1', port, ca: m.caPem, agent: false }, (res) => {
        let b = '';
        res.on('data', (d) => (b += d));
        res.on('end', () => resolve(b));
      }).on('error', reject);
    });
    assert.equal(body, 'ok');
    // a different CA is refused
    const other = generateTlsSync(['127.0.0.1']);
    await assert.rejects(new Promise((resolve, reject) => { https.get({ host: '127.0.0.1', port, ca: other.caPem, agent: false }, resolve).on('error', reject); }), /self[- ]signed|unable to verify|certificate/i);
  } finally {
    srv.close();
  }
});
