// Pod volumes on the node (the kubelet's volume manager, reduced to what a single machine needs):
// emptyDir and the file-projecting kinds (configMap, secret, downwardAPI, projected) live under
// <dataDir>/pods/<uid>/volumes/<plugin>/<name>; hostPath is the host directory (with its type
// checks); a persistentVolumeClaim is the bound PV's hostPath/local directory. Each container gets
// runtime Mounts for its volumeMounts (subPath too). Lookups come in as functions, so it is testable
// with temp dirs and no API server.
import { mkdirSync, writeFileSync, chmodSync, existsSync, statSync, rmSync, readdirSync } from 'node:fs';
import { join, dirname, normalize } from 'node:path';
import type { Pod, Container, ConfigMap, Secret, PersistentVolumeClaim, PersistentVolume, DownwardAPIVolumeFile, KeyToPath, Volume } from 'kubernetes-types/core/v1.js';
import type { Mount } from './runtime/types.js';
import { resourceValue } from './env.js';

export interface VolumeSources {
  configMap(namespace: string, name: string): ConfigMap | undefined;
  secret(namespace: string, name: string): Secret | undefined;
  pvc(namespace: string, name: string): PersistentVolumeClaim | undefined;
  pv(name: string): PersistentVolume | undefined;
  nodeAllocatable?: Record<string, string>;
}

/** A volume cannot be set up yet (FailedMount; the pod stays ContainerCreating and retries). */
export class VolumeNotReady extends Error {
  constructor(readonly volume: string, message: string) {
    super(message);
  }
}

export const podDir = (dataDir: string, uid: string) => join(dataDir, 'pods', uid);

const PLUGIN: Record<string, string> = {
  emptyDir: 'kubernetes.io~empty-dir', configMap: 'kubernetes.io~configmap', secret: 'kubernetes.io~secret',
  downwardAPI: 'kubernetes.io~downward-api', projected: 'kubernetes.io~projected',
};

function writeFiles(dir: string, files: { path: string; data: string | Buffer; mode: number }[]): void {
  // Replace the content: keys removed from the source disappear (as the atomic writer does).
  if (existsSync(dir)) for (const f of readdirSync(dir)) rmSync(join(dir, f), { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const f of files) {
    const p = join(dir, normalize(f.path));
    if (!p.startsWith(dir)) continue;
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, f.data);
    chmodSync(p, f.mode);
  }
}

function keyFiles(data: Record<string, string | Buffer>, items: KeyToPath[] | undefined, defaultMode: number, what: string, optional: boolean): { path: string; data: string | Buffer; mode: number }[] {
  if (!items?.length) return Object.entries(data).map(([k, v]) => ({ path: k, data: v, mode: defaultMode }));
  const out: { path: string; data: string | Buffer; mode: number }[] = [];
  for (const it of items) {
    if (!(it.key in data)) {
      if (optional) continue;
      throw new VolumeNotReady(what, `configmap references non-existent config key: ${it.key}`);
    }
    out.push({ path: it.path, data: data[it.key]!, mode: it.mode ?? defaultMode });
  }
  return out;
}

const cmData = (cm: ConfigMap): Record<string, string | Buffer> => {
  const d: Record<string, string | Buffer> = { ...(cm.data ?? {}) };
  for (const [k, v] of Object.entries(cm.binaryData ?? {})) d[k] = Buffer.from(v, 'base64');
  return d;
};
const secretData = (s: Secret): Record<string, string | Buffer> => {
  const d: Record<string, string | Buffer> = {};
  for (const [k, v] of Object.entries(s.data ?? {})) d[k] = Buffer.from(v, 'base64');
  for (const [k, v] of Object.entries(s.stringData ?? {})) d[k] = v;
  return d;
};

const mapText = (m: Record<string, string> | undefined) =>
  Object.keys(m ?? {}).sort().map((k) => `${k}=${JSON.stringify(m![k])}`).join('\n');

function downwardFiles(pod: Pod, items: DownwardAPIVolumeFile[], defaultMode: number, src: VolumeSources): { path: string; data: string; mode: number }[] {
  return items.map((it) => {
    let data = '';
    const fp = it.fieldRef?.fieldPath;
    if (fp) {
      const m = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(fp);
      if (m) data = (pod.metadata?.[m[1] as 'labels' | 'annotations'] ?? {})[m[2]!] ?? '';
      else if (fp === 'metadata.labels') data = mapText(pod.metadata?.labels);
      else if (fp === 'metadata.annotations') data = mapText(pod.metadata?.annotations);
      else if (fp === 'metadata.name') data = pod.metadata?.name ?? '';
      else if (fp === 'metadata.namespace') data = pod.metadata?.namespace ?? '';
      else if (fp === 'metadata.uid') data = pod.metadata?.uid ?? '';
      else if (fp === 'spec.nodeName') data = pod.spec?.nodeName ?? '';
      else if (fp === 'spec.serviceAccountName') data = pod.spec?.serviceAccountName ?? '';
    } else if (it.resourceFieldRef) {
      const c = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((x) => x.name === it.resourceFieldRef!.containerName) ?? pod.spec?.containers?.[0];
      if (c) data = resourceValue(c, it.resourceFieldRef.resource, it.resourceFieldRef.divisor as string | undefined, src.nodeAllocatable);
    }
    return { path: it.path, data, mode: it.mode ?? defaultMode };
  });
}

function checkHostPath(path: string, type: string, name: string): void {
  const st = existsSync(path) ? statSync(path) : undefined;
  switch (type) {
    case 'DirectoryOrCreate':
      if (!st) mkdirSync(path, { recursive: true, mode: 0o755 });
      else if (!st.isDirectory()) throw new VolumeNotReady(name, `hostPath type check failed: ${path} is not a directory`);
      return;
    case 'Directory':
      if (!st?.isDirectory()) throw new VolumeNotReady(name, `hostPath type check failed: ${path} is not a directory`);
      return;
    case 'FileOrCreate':
      if (!st) {
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, '', { mode: 0o644 });
      } else if (!st.isFile()) throw new VolumeNotReady(name, `hostPath type check failed: ${path} is not a file`);
      return;
    case 'File':
      if (!st?.isFile()) throw new VolumeNotReady(name, `hostPath type check failed: ${path} is not a file`);
      return;
    case 'Socket':
      if (!st?.isSocket()) throw new VolumeNotReady(name, `hostPath type check failed: ${path} is not a socket file`);
      return;
    case 'CharDevice':
      if (!st?.isCharacterDevice()) throw new VolumeNotReady(name, `hostPath type check failed: ${path} is not a character device`);
      return;
    case 'BlockDevice':
      if (!st?.isBlockDevice()) throw new VolumeNotReady(name, `hostPath type check failed: ${path} is not a block device`);
      return;
    default:
      return; // '' = no check
  }
}

/** Sets up one volume; returns its host directory (or file). */
function setUpVolume(pod: Pod, v: Volume, dataDir: string, src: VolumeSources): string {
  const ns = pod.metadata?.namespace ?? 'default';
  const uid = pod.metadata?.uid ?? '';
  const dir = (plugin: string) => join(podDir(dataDir, uid), 'volumes', PLUGIN[plugin]!, v.name);
  if (v.emptyDir) {
    const d = dir('emptyDir');
    mkdirSync(d, { recursive: true, mode: 0o777 });
    return d;
  }
  if (v.hostPath) {
    checkHostPath(v.hostPath.path, v.hostPath.type ?? '', v.name);
    return v.hostPath.path;
  }
  if (v.persistentVolumeClaim) {
    const claim = v.persistentVolumeClaim.claimName;
    const pvc = src.pvc(ns, claim);
    if (!pvc) throw new VolumeNotReady(v.name, `persistentvolumeclaim "${claim}" not found`);
    const pvName = pvc.spec?.volumeName;
    if (!pvName || pvc.status?.phase !== 'Bound') throw new VolumeNotReady(v.name, `PVC ${ns}/${claim} is not bound`);
    const pv = src.pv(pvName);
    if (!pv) throw new VolumeNotReady(v.name, `persistentvolume "${pvName}" not found`);
    const path = pv.spec?.hostPath?.path ?? pv.spec?.local?.path;
    if (!path) throw new VolumeNotReady(v.name, `volume ${pvName} has no host directory this node can mount`);
    checkHostPath(path, pv.spec?.hostPath ? pv.spec.hostPath.type ?? 'DirectoryOrCreate' : 'Directory', v.name);
    return path;
  }
  if (v.configMap) {
    const name = v.configMap.name ?? '';
    const cm = src.configMap(ns, name);
    const d = dir('configMap');
    if (!cm) {
      if (v.configMap.optional) { writeFiles(d, []); return d; }
      throw new VolumeNotReady(v.name, `configmap "${name}" not found`);
    }
    writeFiles(d, keyFiles(cmData(cm), v.configMap.items, v.configMap.defaultMode ?? 0o644, v.name, v.configMap.optional ?? false));
    return d;
  }
  if (v.secret) {
    const name = v.secret.secretName ?? '';
    const s = src.secret(ns, name);
    const d = dir('secret');
    if (!s) {
      if (v.secret.optional) { writeFiles(d, []); return d; }
      throw new VolumeNotReady(v.name, `secret "${name}" not found`);
    }
    writeFiles(d, keyFiles(secretData(s), v.secret.items, v.secret.defaultMode ?? 0o644, v.name, v.secret.optional ?? false));
    return d;
  }
  if (v.downwardAPI) {
    const d = dir('downwardAPI');
    writeFiles(d, downwardFiles(pod, v.downwardAPI.items ?? [], v.downwardAPI.defaultMode ?? 0o644, src));
    return d;
  }
  if (v.projected) {
    const mode = v.projected.defaultMode ?? 0o644;
    const files: { path: string; data: string | Buffer; mode: number }[] = [];
    for (const s of v.projected.sources ?? []) {
      if (s.configMap) {
        const cm = src.configMap(ns, s.configMap.name ?? '');
        if (!cm) {
          if (s.configMap.optional) continue;
          throw new VolumeNotReady(v.name, `configmap "${s.configMap.name}" not found`);
        }
        files.push(...keyFiles(cmData(cm), s.configMap.items, mode, v.name, s.configMap.optional ?? false));
      } else if (s.secret) {
        const sec = src.secret(ns, s.secret.name ?? '');
        if (!sec) {
          if (s.secret.optional) continue;
          throw new VolumeNotReady(v.name, `secret "${s.secret.name}" not found`);
        }
        files.push(...keyFiles(secretData(sec), s.secret.items, mode, v.name, s.secret.optional ?? false));
      } else if (s.downwardAPI) {
        files.push(...downwardFiles(pod, s.downwardAPI.items ?? [], mode, src));
      } else if (s.serviceAccountToken) {
        // No token issuer yet: a placeholder so paths exist (the TokenRequest API comes later).
        files.push({ path: s.serviceAccountToken.path, data: '', mode });
      }
    }
    const d = dir('projected');
    writeFiles(d, files);
    return d;
  }
  throw new VolumeNotReady(v.name, `volume ${v.name}: unsupported volume type`);
}

export interface PodVolumes {
  /** Host path per volume name. */
  paths: Record<string, string>;
  mounts(container: Container): Mount[];
}

/** Sets up every volume of the pod (idempotent; re-run to refresh configMap/secret content). */
export function setUpPodVolumes(pod: Pod, dataDir: string, src: VolumeSources): PodVolumes {
  const paths: Record<string, string> = {};
  const unready: VolumeNotReady[] = [];
  for (const v of pod.spec?.volumes ?? []) {
    try {
      paths[v.name] = setUpVolume(pod, v, dataDir, src);
    } catch (e) {
      if (e instanceof VolumeNotReady) unready.push(e);
      else throw e;
    }
  }
  if (unready.length) {
    const names = unready.map((e) => e.volume).sort();
    const err = new VolumeNotReady(names.join(','), `unmounted volumes=[${names.join(' ')}]: ${unready.map((e) => e.message).join('; ')}`);
    throw err;
  }
  return {
    paths,
    mounts(container: Container): Mount[] {
      return (container.volumeMounts ?? []).map((vm) => {
        const base = paths[vm.name];
        if (base === undefined) throw new VolumeNotReady(vm.name, `volume "${vm.name}" not found`);
        let hostPath = base;
        const sub = vm.subPath ?? '';
        if (sub) {
          hostPath = join(base, normalize(sub));
          if (!hostPath.startsWith(base)) throw new VolumeNotReady(vm.name, `subPath "${sub}" escapes the volume`);
          if (!existsSync(hostPath)) mkdirSync(hostPath, { recursive: true });
        }
        return { containerPath: vm.mountPath, hostPath, readonly: vm.readOnly ?? false };
      });
    },
  };
}

/** Removes the pod's directory (emptyDirs, projected files); PV and hostPath data stay. */
export function tearDownPodVolumes(dataDir: string, uid: string): void {
  rmSync(podDir(dataDir, uid), { recursive: true, force: true });
}
