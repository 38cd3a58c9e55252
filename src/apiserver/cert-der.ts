// Minimal DER writer for the two certificates the cluster needs (ECDSA P-256, SHA-256): a
// self-signed CA and a serving certificate with SANs. node:crypto signs; we only lay out bytes.
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';

const len = (n: number): Buffer => {
  if (n < 0x80) return Buffer.from([n]);
  const b: number[] = [];
  for (let v = n; v > 0; v >>= 8) b.unshift(v & 0xff);
  return Buffer.from([0x80 | b.length, ...b]);
};
const tlv = (tag: number, ...parts: Buffer[]): Buffer => { const body = Buffer.concat(parts); return Buffer.concat([Buffer.from([tag]), len(body.length), body]); };
const seq = (...p: Buffer[]) => tlv(0x30, ...p);
const oid = (s: string): Buffer => {
  const [a, b, ...rest] = s.split('.').map(Number);
  const out = [40 * a! + b!];
  for (const v of rest) { const bytes = [v & 0x7f]; for (let x = v >> 7; x > 0; x >>= 7) bytes.unshift(0x80 | (x & 0x7f)); out.push(...bytes); }
  return tlv(0x06, Buffer.from(out));
};
const int = (n: number) => tlv(0x02, Buffer.from([n]));
const bool = (v: boolean) => tlv(0x01, Buffer.from([v ? 0xff : 0]));
const octets = (b: Buffer) => tlv(0x04, b);
const bits = (b: Buffer, unused = 0) => tlv(0x03, Buffer.from([unused]), b);
const time = (d: Date): Buffer => {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z'; // YYYYMMDDHHMMSSZ
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(iso.slice(2))) : tlv(0x18, Buffer.from(iso));
};
const name = (cn: string) => seq(tlv(0x31, seq(oid('2.5.4.3'), tlv(0x0c, Buffer.from(cn)))));
const ext = (id: string, critical: boolean, value: Buffer) => seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));
const ECDSA_SHA256 = seq(oid('1.2.840.10045.4.3.2'));

function issue(o: { subject: string; issuer: string; notBefore: Date; notAfter: Date; publicKey: KeyObject; signingKey: KeyObject; extensions: Buffer[] }): Buffer {
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x40; // positive and minimally encoded
  const tbs = seq(
    tlv(0xa0, int(2)),
    tlv(0x02, serial),
    ECDSA_SHA256,
    name(o.issuer),
    seq(time(o.notBefore), time(o.notAfter)),
    name(o.subject),
    o.publicKey.export({ type: 'spki', format: 'der' }),
    tlv(0xa3, seq(...o.extensions)),
  );
  return seq(tbs, ECDSA_SHA256, bits(sign('sha256', tbs, o.signingKey)));
}

/** SHA-1 of the subjectPublicKey bits (RFC 5280 4.2.1.2 method 1); P-256 points are the last 65 bytes. */
const keyId = (k: KeyObject) => createHash('sha1').update(k.export({ type: 'spki', format: 'der' }).subarray(-65)).digest();

const pem = (der: Buffer) => `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;

export function generateTlsSync(hosts: string[]): { caPem: string; certPem: string; keyPem: string } {
  const now = new Date(Date.now() - 60_000);
  const ca = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const caId = keyId(ca.publicKey);
  const caDer = issue({
    subject: 'ordinal-ca', issuer: 'ordinal-ca', notBefore: now, notAfter: new Date(now.getTime() + 10 * 365 * 86400_000),
    publicKey: ca.publicKey, signingKey: ca.privateKey,
    extensions: [
      ext('2.5.29.19', true, seq(bool(true), int(0))), // basicConstraints: CA, pathLen 0
      ext('2.5.29.15', true, bits(Buffer.from([0x86]), 1)), // keyUsage: digitalSignature, keyCertSign, cRLSign
      ext('2.5.29.14', false, octets(caId)), // subjectKeyIdentifier
    ],
  });
  const leaf = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const san = hosts.map((h) => (isIP(h) ? tlv(0x87, ipBytes(h)) : tlv(0x82, Buffer.from(h))));
  const certDer = issue({
    subject: 'ordinal-apiserver', issuer: 'ordinal-ca', notBefore: now, notAfter: new Date(now.getTime() + 5 * 365 * 86400_000),
    publicKey: leaf.publicKey, signingKey: ca.privateKey,
    extensions: [
      ext('2.5.29.19', true, seq()), // basicConstraints: not a CA
      ext('2.5.29.15', true, bits(Buffer.from([0xa0]), 5)), // keyUsage: digitalSignature, keyEncipherment
      ext('2.5.29.37', false, seq(oid('1.3.6.1.5.5.7.3.1'))), // extKeyUsage: serverAuth
      ext('2.5.29.17', false, seq(...san)), // subjectAltName
      ext('2.5.29.35', false, seq(tlv(0x80, caId))), // authorityKeyIdentifier
    ],
  });
  return { caPem: pem(caDer), certPem: pem(certDer), keyPem: leaf.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
}

function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number));
  // IPv6: expand '::'
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const b = Buffer.alloc(16);
  groups.forEach((g, i) => b.writeUInt16BE(parseInt(g || '0', 16), i * 2));
  return b;
}
