// Offline images: this machine cannot pull from registries, so the node builds the images it needs
// from Debian's busybox-static (/bin/busybox plus its applet symlinks) as an OCI image layout tar
// and imports it into the private containerd. One tar holds busybox (default command `sh`, as the
// Docker Hub image) under docker.io/library/busybox:{latest,1.35,1.35.0} and the sandbox image
// (PAUSE_IMAGE: busybox `sleep` as PID 1). Layers are uncompressed and every timestamp is zero, so
// the same busybox binary always gives the same image IDs.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname } from 'node:path';
import { PAUSE_IMAGE } from './containerd.js';

export const BUSYBOX = '/bin/busybox';

interface TarEntry { name: string; type: 'file' | 'dir' | 'symlink'; mode: number; data?: Buffer; target?: string }

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

/** One ustar header + data, padded to 512-byte blocks. */
function tarEntry(e: TarEntry): Buffer {
  const h = Buffer.alloc(512);
  let name = e.name;
  let prefix = '';
  if (Buffer.byteLength(name) > 99) {
    const cut = name.lastIndexOf('/', 154);
    prefix = name.slice(0, cut);
    name = name.slice(cut + 1);
  }
  h.write(name, 0, 100);
  h.write(octal(e.mode, 8), 100);
  h.write(octal(0, 8), 108); // uid
  h.write(octal(0, 8), 116); // gid
  const size = e.type === 'file' ? e.data!.length : 0;
  h.write(octal(size, 12), 124);
  h.write(octal(0, 12), 136); // mtime
  h.write('        ', 148); // checksum placeholder
  h.write(e.type === 'file' ? '0' : e.type === 'dir' ? '5' : '2', 156);
  if (e.target) h.write(e.target, 157, 100);
  h.write('ustar\0', 257);
  h.write('00', 263);
  h.write('root', 265);
  h.write('root', 297);
  h.write(prefix, 345, 155);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148);
  if (e.type !== 'file') return h;
  const pad = (512 - (size % 512)) % 512;
  return Buffer.concat([h, e.data!, Buffer.alloc(pad)]);
}

export function tar(entries: TarEntry[]): Buffer {
  return Buffer.concat([...entries.map(tarEntry), Buffer.alloc(1024)]);
}

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** The root filesystem layer: busybox, an applet symlink for each of its applets, /etc basics. */
export function busyboxLayer(busybox = BUSYBOX): { layer: Buffer; version: string } {
  const bin = readFileSync(busybox);
  const banner = execFileSync(busybox, [], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).split('\n')[0] ?? '';
  const version = /BusyBox v(\d+\.\d+\.\d+)/.exec(banner)?.[1] ?? '0.0.0';
  const applets = execFileSync(busybox, ['--list-full'], { encoding: 'utf8' }).split('\n').map((s) => s.trim()).filter(Boolean);
  const dirs = new Set<string>(['bin', 'dev', 'etc', 'home', 'proc', 'root', 'sys', 'tmp', 'usr', 'usr/bin', 'usr/sbin', 'sbin', 'var', 'var/www']);
  for (const a of applets) for (let d = dirname(a); d !== '.' && d !== '/'; d = dirname(d)) dirs.add(d);
  const entries: TarEntry[] = [...dirs].sort().map((d) => ({ name: `${d}/`, type: 'dir' as const, mode: d === 'tmp' ? 0o1777 : d === 'root' ? 0o700 : 0o755 }));
  entries.push({ name: 'bin/busybox', type: 'file', mode: 0o755, data: bin });
  for (const a of applets.sort()) if (a !== 'bin/busybox') entries.push({ name: a, type: 'symlink', mode: 0o777, target: '/bin/busybox' });
  const etc: Record<string, string> = {
    'etc/passwd': 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n',
    'etc/group': 'root:x:0:\nnobody:x:65534:\n',
  };
  for (const [name, s] of Object.entries(etc)) entries.push({ name, type: 'file', mode: 0o644, data: Buffer.from(s) });
  return { layer: tar(entries), version };
}

const goArch = (a: string) => ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' }[a] ?? a);

interface Blob { digest: string; size: number; data: Buffer }
const blob = (data: Buffer | string): Blob => {
  const b = Buffer.isBuffer(data) ? data : Buffer.from(data);
  return { digest: `sha256:${sha256(b)}`, size: b.length, data: b };
};

/** An OCI image layout (as a tar) holding busybox under several tags and the pause image. */
export function buildImagesTar(busybox = BUSYBOX): { tar: Buffer; images: string[] } {
  const { layer, version } = busyboxLayer(busybox);
  const layerBlob = blob(layer);
  const layerDesc = { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layerBlob.digest, size: layerBlob.size };
  const blobs = new Map<string, Blob>([[layerBlob.digest, layerBlob]]);
  const manifests: unknown[] = [];
  const images: string[] = [];
  const add = (names: string[], config: Record<string, unknown>) => {
    const cfg = blob(JSON.stringify({
      created: '1970-01-01T00:00:00Z', architecture: goArch(process.arch), os: 'linux', config,
      rootfs: { type: 'layers', diff_ids: [layerBlob.digest] },
      history: [{ created: '1970-01-01T00:00:00Z', created_by: `ordinal image build-busybox (BusyBox v${version} from Debian busybox-static)` }],
    }));
    const manifest = blob(JSON.stringify({
      schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: cfg.digest, size: cfg.size },
      layers: [layerDesc],
    }));
    blobs.set(cfg.digest, cfg);
    blobs.set(manifest.digest, manifest);
    for (const name of names) {
      images.push(name);
      manifests.push({
        mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: manifest.digest, size: manifest.size,
        annotations: { 'io.containerd.image.name': name, 'org.opencontainers.image.ref.name': name.slice(name.lastIndexOf(':') + 1) },
      });
    }
  };
  const env = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'];
  const minor = version.split('.').slice(0, 2).join('.');
  add([`docker.io/library/busybox:latest`, `docker.io/library/busybox:${minor}`, `docker.io/library/busybox:${version}`], { Env: env, Cmd: ['sh'] });
  add([PAUSE_IMAGE], { Env: env, Entrypoint: ['/bin/sleep', '2147483647'] });
  const entries: TarEntry[] = [
    { name: 'oci-layout', type: 'file', mode: 0o644, data: Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })) },
    { name: 'index.json', type: 'file', mode: 0o644, data: Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests })) },
    { name: 'blobs/', type: 'dir', mode: 0o755 },
    { name: 'blobs/sha256/', type: 'dir', mode: 0o755 },
    ...[...blobs.values()].map((b) => ({ name: `blobs/sha256/${b.digest.slice(7)}`, type: 'file' as const, mode: 0o644, data: b.data })),
  ];
  return { tar: tar(entries), images };
}

export function writeImagesTar(path: string, busybox = BUSYBOX): string[] {
  const { tar: t, images } = buildImagesTar(busybox);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, t);
  return images;
}

/** `ctr images import` into the CRI namespace of the containerd listening on `socket`. */
export function importImagesTar(ctrBin: string, socket: string, file: string): string {
  return execFileSync(ctrBin, ['--address', socket, '--namespace', 'k8s.io', 'images', 'import', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}
