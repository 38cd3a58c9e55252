// The cluster's TLS material: a self-signed CA and a serving certificate for 127.0.0.1/localhost,
// generated at first start into the data dir and reused afterwards (so kubeconfigs stay valid).
// The certificates are laid out by cert-der.ts and signed with node:crypto (no X.509 library to
// load: a fresh data dir is ready ~200 ms sooner); a restart checks the stored ones with node's
// own X509Certificate.
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { generateTlsSync } from './cert-der.js';

export interface TlsMaterial {
  caPem: string;
  certPem: string;
  keyPem: string;
}

/** Generates a fresh CA and a serving certificate for the given hosts (IPs and DNS names). */
export async function generateTls(hosts: string[]): Promise<TlsMaterial> {
  return generateTlsSync(hosts);
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
