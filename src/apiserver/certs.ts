// The cluster's TLS material: a self-signed CA and a serving certificate for 127.0.0.1/localhost,
// generated at first start into the data dir and reused afterwards (so kubeconfigs stay valid).
// @peculiar/x509 (with the reflect-metadata it needs) loads only when certificates must be
// generated: a restart checks the stored ones with node's own X509Certificate (saves start time
// and ~10 MB of resident memory).
import { webcrypto, randomBytes, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

async function loadX509(): Promise<typeof import('@peculiar/x509')> {
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  return x509;
}

type KeyPair = webcrypto.CryptoKeyPair;

export interface TlsMaterial {
  caPem: string;
  certPem: string;
  keyPem: string;
}

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

function pemKey(der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN PRIVATE KEY-----\n${b64}\n-----END PRIVATE KEY-----\n`;
}

function serial(): string {
  const b = randomBytes(16);
  b[0] = b[0]! & 0x7f; // positive
  return b.toString('hex');
}

/** Generates a fresh CA and a serving certificate for the given hosts (IPs and DNS names). */
export async function generateTls(hosts: string[]): Promise<TlsMaterial> {
  const x509 = await loadX509();
  const subtle = webcrypto.subtle;
  const now = new Date(Date.now() - 60_000);
  const caKeys = (await subtle.generateKey(ALG, true, ['sign', 'verify'])) as KeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: 'CN=ordinal-ca',
    notBefore: now,
    notAfter: new Date(now.getTime() + 10 * 365 * 86400_000),
    signingAlgorithm: ALG,
    keys: caKeys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const keys = (await subtle.generateKey(ALG, true, ['sign', 'verify'])) as KeyPair;
  const names = hosts.map((h) => (/^[\d.]+$/.test(h) || h.includes(':') ? { type: 'ip' as const, value: h } : { type: 'dns' as const, value: h }));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: 'CN=ordinal-apiserver',
    issuer: ca.subject,
    notBefore: now,
    notAfter: new Date(now.getTime() + 5 * 365 * 86400_000),
    signingAlgorithm: ALG,
    publicKey: keys.publicKey,
    signingKey: caKeys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names),
      await x509.AuthorityKeyIdentifierExtension.create(ca, false),
    ],
  });
  const keyDer = await subtle.exportKey('pkcs8', keys.privateKey);
  return { caPem: ca.toString('pem') + '\n', certPem: cert.toString('pem') + '\n', keyPem: pemKey(keyDer) };
}

const DEFAULT_HOSTS = ['127.0.0.1', 'localhost', '::1'];

/**
 * Loads ca.crt / apiserver.crt / apiserver.key from `dir/pki`, generating them on first start.
 * `extraHosts` (e.g. a non-loopback listen address) are added to the serving cert's SANs; when a
 * stored cert lacks one of them it is re-issued (the CA is kept... regenerated only if missing).
 */
export async function loadOrCreateTls(dir: string, extraHosts: string[] = []): Promise<TlsMaterial> {
  const pki = join(dir, 'pki');
  const files = { ca: join(pki, 'ca.crt'), cert: join(pki, 'apiserver.crt'), key: join(pki, 'apiserver.key') };
  const hosts = [...new Set([...DEFAULT_HOSTS, ...extraHosts.filter((h) => h && h !== '0.0.0.0' && h !== '::')])];
  if (existsSync(files.ca) && existsSync(files.cert) && existsSync(files.key)) {
    const m: TlsMaterial = { caPem: readFileSync(files.ca, 'utf8'), certPem: readFileSync(files.cert, 'utf8'), keyPem: readFileSync(files.key, 'utf8') };
    if (coversHosts(m.certPem, hosts)) return m;
  }
  const m = await generateTls(hosts);
  mkdirSync(pki, { recursive: true, mode: 0o700 });
  writeFileSync(files.ca, m.caPem, { mode: 0o644 });
  writeFileSync(files.cert, m.certPem, { mode: 0o644 });
  writeFileSync(files.key, m.keyPem, { mode: 0o600 });
  return m;
}

function coversHosts(certPem: string, hosts: string[]): boolean {
  try {
    const cert = new X509Certificate(certPem);
    if (new Date(cert.validTo).getTime() < Date.now() + 86400_000) return false;
    // SAN entries only (never the subject CN), IPs compared as addresses.
    return hosts.every((h) => (/^[\d.]+$/.test(h) || h.includes(':') ? cert.checkIP(h) !== undefined : cert.checkHost(h, { subject: 'never' }) !== undefined));
  } catch {
    return false;
  }
}
