// A private containerd for one node: its own config, root, state, sockets, CNI config and IPAM
// data under <data dir>/containerd, started as a child process and stopped by its PID. It never
// talks to or changes a system containerd. Settings follow shared/spec/cri-notes.md (a probe on
// this machine kind): restrict_oom_score_adj (root here lacks CAP_SYS_RESOURCE), cgroupfs (cgroup
// v1, no systemd), stream server on 127.0.0.1 with a random port, a bridge + host-local + portmap
// conflist without loopback (containerd adds lo itself).
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync, readFileSync, openSync, closeSync, rmSync, accessSync, constants, readdirSync } from 'node:fs';
import { join, delimiter } from 'node:path';
import { connect } from 'node:net';

export const CNI_BIN_DIR = '/usr/lib/cni';
/** The sandbox (pause) image every pod needs; imported offline before the first pod. */
export const PAUSE_IMAGE = 'ordinal.local/pause:3.9';

/**
 * Cluster DNS for pods: UDP/TCP port 53 to one of `serviceIPs` (the kube-dns ClusterIP their
 * resolv.conf names) that enters the node from this bridge is DNATed to where the DNS server really
 * listens (`host:port`, e.g. 127.0.0.1 on a free port). Nothing else is redirected.
 */
export interface DnsRedirect { serviceIPs: string[]; host: string; port: number }

export interface ContainerdOptions {
  /** <data dir>/containerd holds everything. */
  dir: string;
  /** The node's pod CIDR (an IPv4 /24 like 10.244.N.0/24). */
  podCIDR: string;
  /** Linux bridge name (at most 15 characters); default ordinal<N> for 10.244.N.0/24. */
  bridgeName?: string;
  log?: (m: string) => void;
}

/** Why containerd cannot run here, or undefined when it can (binaries present, root, Linux). */
export function containerdUnavailable(): string | undefined {
  if (process.platform !== 'linux') return `containerd needs Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'running containers needs root (containerd, runc and CNI plugins create namespaces, cgroups and network devices)';
  const missing: string[] = [];
  for (const [bin, pkg] of [['containerd', 'containerd'], ['ctr', 'containerd'], ['runc', 'runc']] as const) if (!which(bin)) missing.push(`${bin} (Debian package ${pkg})`);
  for (const p of ['bridge', 'host-local', 'portmap', 'loopback']) if (!existsSync(join(CNI_BIN_DIR, p))) missing.push(`${CNI_BIN_DIR}/${p} (Debian package containernetworking-plugins)`);
  if (!existsSync('/bin/busybox')) missing.push('/bin/busybox (Debian package busybox-static, for the offline images)');
  if (missing.length) return `missing: ${missing.join(', ')} — install with: apt-get install containerd runc containernetworking-plugins busybox-static iptables`;
  return undefined;
}

export function which(bin: string): string | undefined {
  for (const d of (process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin').split(delimiter).concat(['/usr/sbin', '/usr/bin', '/sbin', '/bin'])) {
    const p = join(d, bin);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch { /* next */ }
  }
  return undefined;
}

export function bridgeNameFor(podCIDR: string): string {
  const m = /^\d+\.\d+\.(\d+)\.\d+\/\d+$/.exec(podCIDR);
  return `ordinal${m ? m[1] : '0'}`;
}

/** The gateway (first address) of an IPv4 CIDR. */
function gatewayOf(cidr: string): string {
  const [ip] = cidr.split('/');
  const p = ip!.split('.').map(Number);
  return `${p[0]}.${p[1]}.${p[2]}.${p[3]! + 1}`;
}

export function cniConflist(podCIDR: string, bridge: string, ipamDir: string): string {
  return JSON.stringify({
    cniVersion: '0.4.0',
    name: 'ordinal',
    plugins: [
      {
        type: 'bridge', bridge, isGateway: true, ipMasq: false, hairpinMode: true,
        ipam: { type: 'host-local', dataDir: ipamDir, ranges: [[{ subnet: podCIDR, gateway: gatewayOf(podCIDR) }]], routes: [{ dst: '0.0.0.0/0' }] },
      },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  }, null, 2) + '\n';
}

export function containerdConfig(dir: string): string {
  const q = (s: string) => JSON.stringify(s);
  const cri = '[plugins."io.containerd.grpc.v1.cri"';
  return `version = 2
root = ${q(join(dir, 'root'))}
state = ${q(join(dir, 'state'))}
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs"]

[grpc]
  address = ${q(socketPath(dir))}

[ttrpc]
  address = ${q(join(dir, 'containerd-ttrpc.sock'))}

[debug]
  level = "warn"

[plugins."io.containerd.internal.v1.opt"]
  path = ${q(join(dir, 'opt'))}

${cri}]
  sandbox_image = ${q(PAUSE_IMAGE)}
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_tls_streaming = false

${cri}.containerd]
  snapshotter = "overlayfs"
  default_runtime_name = "runc"

${cri}.containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

${cri}.containerd.runtimes.runc.options]
  SystemdCgroup = false
  Root = ${q(join(dir, 'state', 'runc'))}

${cri}.cni]
  bin_dir = ${q(CNI_BIN_DIR)}
  conf_dir = ${q(join(dir, 'net.d'))}
  max_conf_num = 1
`;
}

export const socketPath = (dir: string) => join(dir, 'containerd.sock');

/**
 * Why `podCIDR` cannot be this node's: another interface already routes it (or part of it), so
 * its pods' traffic would leave through that one — typically a bridge left behind by a node that
 * was killed. Undefined when the range is free (or `ip` cannot tell).
 */
export function podCIDRConflict(podCIDR: string, bridge: string): string | undefined {
  let routes: { dst?: string; dev?: string }[];
  try {
    routes = JSON.parse(execFileSync('ip', ['-j', '-4', 'route', 'show', 'root', podCIDR], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }) || '[]');
  } catch {
    return undefined;
  }
  const other = routes.find((r) => r.dev && r.dev !== bridge);
  if (!other) return undefined;
  return `pod CIDR ${podCIDR} is already routed to ${other.dev} (${other.dst}); if that is a bridge left by an Ordinal node that was killed, remove it with \`ip link del ${other.dev}\`, or give this node another pod CIDR`;
}

export class Containerd {
  readonly dir: string;
  readonly socket: string;
  readonly bridge: string;
  private child?: ChildProcess;
  private pid?: number;
  private readonly log: (m: string) => void;

  constructor(private readonly o: ContainerdOptions) {
    this.dir = o.dir;
    this.socket = socketPath(o.dir);
    this.bridge = o.bridgeName ?? bridgeNameFor(o.podCIDR);
    this.log = o.log ?? (() => {});
  }

  /** Writes the config and CNI conflist, then starts containerd (or reuses ours if still alive). */
  async start(): Promise<void> {
    const why = containerdUnavailable();
    if (why) throw new Error(`cannot run containerd: ${why}`);
    const taken = podCIDRConflict(this.o.podCIDR, this.bridge);
    if (taken) throw new Error(taken);
    for (const d of ['root', 'state', 'opt', 'net.d', 'ipam']) mkdirSync(join(this.dir, d), { recursive: true, mode: 0o700 });
    const cfg = join(this.dir, 'config.toml');
    writeFileSync(cfg, containerdConfig(this.dir));
    writeFileSync(join(this.dir, 'net.d', '10-ordinal.conflist'), cniConflist(this.o.podCIDR, this.bridge, join(this.dir, 'ipam')));
    const pidFile = join(this.dir, 'containerd.pid');
    const old = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : 0;
    if (old && isOurContainerd(old, cfg) && (await socketAnswers(this.socket))) {
      this.pid = old;
      this.log(`containerd: reusing the running private containerd (pid ${old}) on ${this.socket}`);
      return;
    }
    rmSync(this.socket, { force: true });
    const out = openSync(join(this.dir, 'containerd.log'), 'a');
    const child = spawn(which('containerd')!, ['--config', cfg], { stdio: ['ignore', out, out], detached: true });
    closeSync(out);
    this.child = child;
    this.pid = child.pid;
    writeFileSync(pidFile, String(child.pid));
    let exited: string | undefined;
    child.once('exit', (code, sig) => { exited = `containerd exited (${sig ?? code})`; this.child = undefined; });
    const deadline = Date.now() + 20_000;
    while (!(await socketAnswers(this.socket))) {
      if (exited) throw new Error(`${exited}; see ${join(this.dir, 'containerd.log')}: ${tail(join(this.dir, 'containerd.log'))}`);
      if (Date.now() > deadline) {
        await this.stop();
        throw new Error(`containerd did not open ${this.socket} within 20s; see ${join(this.dir, 'containerd.log')}`);
      }
      await sleep(50);
    }
    child.unref();
    this.log(`containerd: started private containerd (pid ${child.pid}) on ${this.socket}, bridge ${this.bridge} ${this.o.podCIDR}`);
  }

  /** Stops containerd by its PID (shims and their containers keep running, as with a kubelet restart). */
  async stop(): Promise<void> {
    const pid = this.pid;
    if (!pid) return;
    this.pid = undefined;
    try { process.kill(pid, 'SIGTERM'); } catch { return; }
    const deadline = Date.now() + 10_000;
    while (alive(pid) && Date.now() < deadline) await sleep(50);
    if (alive(pid)) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    rmSync(join(this.dir, 'containerd.pid'), { force: true });
  }

  /** Removes the bridge this node's CNI config created (after every sandbox is gone) and our DNS redirect. */
  removeBridge(): void {
    this.removeDnsRedirect();
    try { execFileSync('ip', ['link', 'del', this.bridge], { stdio: 'ignore' }); } catch { /* not there */ }
  }

  /**
   * Creates the node's bridge as the CNI bridge plugin would on the first pod (the plugin reuses
   * an existing one and adds the gateway address), so rules can name it before any pod exists.
   */
  ensureBridge(): void {
    if (existsSync(`/sys/class/net/${this.bridge}`)) return;
    try {
      execFileSync('ip', ['link', 'add', 'name', this.bridge, 'type', 'bridge'], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (e) {
      if (!existsSync(`/sys/class/net/${this.bridge}`)) throw new Error(`creating bridge ${this.bridge}: ${(e as { stderr?: Buffer }).stderr?.toString().trim() || (e as Error).message}`);
    }
    execFileSync('ip', ['link', 'set', this.bridge, 'up'], { stdio: 'ignore' });
  }

  /** Our nat chain for this bridge (iptables allows 28 characters; bridge names have at most 15). */
  get dnsChain(): string {
    return `ORDINAL-DNS-${this.bridge}`;
  }

  /**
   * Points pods' cluster DNS traffic at the real DNS server: a nat chain of our own, entered only
   * from PREROUTING for packets arriving on this node's bridge. A loopback target needs
   * route_localnet on the bridge (and only there), as kube-proxy does for localhost NodePorts.
   */
  applyDnsRedirect(r: DnsRedirect): void {
    const target = r.host === '' || r.host === '0.0.0.0' ? '127.0.0.1' : r.host;
    if (target.includes(':')) throw new Error(`cluster DNS on ${target} is IPv6; pods on ${this.bridge} are IPv4`);
    const ips = r.serviceIPs.filter((ip) => /^\d+\.\d+\.\d+\.\d+$/.test(ip));
    this.ensureBridge();
    if (target.startsWith('127.')) writeFileSync(`/proc/sys/net/ipv4/conf/${this.bridge}/route_localnet`, '1');
    const chain = this.dnsChain;
    if (!iptablesOk(['-t', 'nat', '-S', chain])) iptables(['-t', 'nat', '-N', chain]);
    iptables(['-t', 'nat', '-F', chain]);
    for (const ip of ips) {
      for (const proto of ['udp', 'tcp']) {
        iptables(['-t', 'nat', '-A', chain, '-d', `${ip}/32`, '-p', proto, '--dport', '53', '-j', 'DNAT', '--to-destination', `${target}:${r.port}`]);
      }
    }
    const jump = ['PREROUTING', '-i', this.bridge, '-j', chain, '-m', 'comment', '--comment', `ordinal cluster DNS for ${this.bridge}`];
    if (!iptablesOk(['-t', 'nat', '-C', ...jump])) iptables(['-t', 'nat', '-A', ...jump]);
    this.log(`containerd: pods on ${this.bridge} reach cluster DNS ${ips.join(', ')}:53 at ${target}:${r.port}`);
  }

  /** Removes the jump and our chain (no-op when absent). */
  removeDnsRedirect(): void {
    const chain = this.dnsChain;
    if (!which('iptables') || !iptablesOk(['-t', 'nat', '-S', chain])) return;
    const jump = ['PREROUTING', '-i', this.bridge, '-j', chain, '-m', 'comment', '--comment', `ordinal cluster DNS for ${this.bridge}`];
    while (iptablesOk(['-t', 'nat', '-D', ...jump])) { /* every copy */ }
    iptablesOk(['-t', 'nat', '-F', chain]);
    iptablesOk(['-t', 'nat', '-X', chain]);
  }

  /** Last resort of a teardown: SIGKILL and delete every task, unmount the pods' network namespaces. */
  killAllTasks(): void {
    const ids = (() => { try { return this.ctr(['tasks', 'ls', '-q']).split('\n').filter(Boolean); } catch { return []; } })();
    for (const id of ids) try { this.ctr(['tasks', 'kill', '-a', '-s', 'SIGKILL', id]); } catch { /* gone */ }
    for (const id of ids) try { this.ctr(['tasks', 'rm', '-f', id]); } catch { /* gone */ }
    const netns = join(this.dir, 'state', 'io.containerd.grpc.v1.cri', 'netns');
    if (existsSync(netns)) {
      for (const f of readdirSync(netns)) try { execFileSync('umount', ['-l', join(netns, f)], { stdio: 'ignore' }); } catch { /* not mounted */ }
    }
  }

  /** `ctr` against this containerd, in the CRI namespace. */
  ctr(args: string[]): string {
    return execFileSync(which('ctr')!, ['--address', this.socket, '--namespace', 'k8s.io', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }
}

function iptables(args: string[]): void {
  const bin = which('iptables');
  if (!bin) throw new Error('iptables not found (Debian package iptables): pods cannot reach cluster DNS');
  try {
    execFileSync(bin, ['-w', '5', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    throw new Error(`iptables ${args.join(' ')}: ${(e as { stderr?: Buffer }).stderr?.toString().trim() || (e as Error).message}`);
  }
}

function iptablesOk(args: string[]): boolean {
  try {
    iptables(args);
    return true;
  } catch {
    return false;
  }
}

function isOurContainerd(pid: number, cfg: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(cfg);
  } catch {
    return false;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie child (not yet reaped) still answers kill 0.
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

function socketAnswers(path: string): Promise<boolean> {
  if (!existsSync(path)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

function tail(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim().split('\n').slice(-5).join(' | ');
  } catch {
    return '';
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
