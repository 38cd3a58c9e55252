// Which container runtime `ordinal up` / `ordinal agent` use when --runtime is not given: `cri`
// (real containers) wherever the CRI runtime can run, else `sim` with one notice saying why and
// how to get real containers. The CRI runtime always starts a private containerd of its own under
// the node's data dir (src/node/runtime/containerd.ts) and never uses a system containerd, so a
// running containerd or its socket does not matter — what matters is what that private one needs:
// Linux, root, the containerd/ctr/runc binaries, the CNI plugins its conflist names, busybox for
// the offline images, the overlay filesystem (its snapshotter) and a cgroup hierarchy.
// probeRuntime() gathers those facts; chooseRuntime() is the pure decision over them.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CNI_BIN_DIR, which } from '../node/runtime/containerd.js';

export type RuntimeKind = 'cri' | 'sim';

/** What the machine offers for real containers (probeRuntime() fills it in). */
export interface RuntimeProbe {
  platform: string;
  /** Effective uid (undefined where the platform has none). */
  uid: number | undefined;
  /** Path of each binary the private containerd needs, or undefined when not on PATH. */
  binaries: { containerd?: string; ctr?: string; runc?: string };
  /** CNI plugins (bridge, host-local, portmap, loopback) missing from CNI_BIN_DIR. */
  missingCniPlugins: string[];
  /** /bin/busybox, from which the offline busybox and pause images are built. */
  busybox: boolean;
  /** overlay listed in /proc/filesystems (containerd's overlayfs snapshotter). */
  overlay: boolean;
  /** A cgroup hierarchy is mounted at /sys/fs/cgroup. */
  cgroups: boolean;
}

export interface RuntimeChoice {
  runtime: RuntimeKind;
  /** Set when the default fell back to sim: one line for stderr, saying why and what to do. */
  notice?: string;
  /** Set when --runtime cri was asked for but cannot run: the command must fail with it. */
  error?: string;
}

const CNI_PLUGINS = ['bridge', 'host-local', 'portmap', 'loopback'];
const INSTALL = 'apt-get install containerd runc containernetworking-plugins busybox-static iptables';

/** Reads the facts chooseRuntime() decides on (a handful of stat/read calls, no processes). */
export function probeRuntime(): RuntimeProbe {
  let filesystems = '';
  try { filesystems = readFileSync('/proc/filesystems', 'utf8'); } catch { /* not Linux */ }
  return {
    platform: process.platform,
    uid: process.getuid?.(),
    binaries: { containerd: which('containerd'), ctr: which('ctr'), runc: which('runc') },
    missingCniPlugins: CNI_PLUGINS.filter((p) => !existsSync(join(CNI_BIN_DIR, p))),
    busybox: existsSync('/bin/busybox'),
    overlay: /\boverlay$/m.test(filesystems),
    cgroups: existsSync('/sys/fs/cgroup/cgroup.controllers') || existsSync('/sys/fs/cgroup/memory') || existsSync('/sys/fs/cgroup/unified'),
  };
}

/** Why the CRI runtime cannot run on the probed machine, and how to fix it; undefined when it can. */
export function criUnavailable(p: RuntimeProbe): { why: string; fix: string } | undefined {
  if (p.platform !== 'linux') return { why: `real containers need Linux (this is ${p.platform})`, fix: 'run Ordinal on Linux' };
  if (p.uid !== 0) return { why: `real containers need root (running as uid ${p.uid ?? '?'}): containerd, runc and the CNI plugins create namespaces, cgroups and network devices`, fix: 'run it as root' };
  const missing: string[] = [];
  if (!p.binaries.containerd) missing.push('containerd');
  if (!p.binaries.ctr) missing.push('ctr');
  if (!p.binaries.runc) missing.push('runc');
  if (p.missingCniPlugins.length) missing.push(`CNI plugins ${p.missingCniPlugins.join(', ')} in ${CNI_BIN_DIR}`);
  if (!p.busybox) missing.push('/bin/busybox');
  if (missing.length) {
    const what = missing[0] === 'containerd' ? 'containerd not found' : `missing ${missing.join(', ')}`;
    return { why: missing[0] === 'containerd' && missing.length > 1 ? `${what} (also missing ${missing.slice(1).join(', ')})` : what, fix: `install them (${INSTALL})` };
  }
  if (!p.overlay) return { why: 'the kernel has no overlay filesystem (containerd\'s snapshotter)', fix: 'load it (modprobe overlay)' };
  if (!p.cgroups) return { why: 'no cgroup hierarchy is mounted at /sys/fs/cgroup', fix: 'mount cgroups (or run on a host or privileged container that has them)' };
  return undefined;
}

/**
 * The runtime to use. An explicit --runtime wins: `sim` always, `cri` only if it can run (else an
 * error, never a silent fallback). Without one: `cri` when it can run, else `sim` with a notice.
 */
export function chooseRuntime(requested: RuntimeKind | undefined, probe: RuntimeProbe): RuntimeChoice {
  if (requested === 'sim') return { runtime: 'sim' };
  const no = criUnavailable(probe);
  if (requested === 'cri') return no ? { runtime: 'cri', error: `--runtime cri cannot run here: ${no.why}; ${no.fix}, or use --runtime sim` } : { runtime: 'cri' };
  if (!no) return { runtime: 'cri' };
  return { runtime: 'sim', notice: `${no.why}: pods run on the simulated runtime. For real containers ${no.fix}; or pass --runtime sim to silence this.` };
}
