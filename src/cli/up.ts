// `ordinal up`: runs the whole cluster in the foreground until SIGINT/SIGTERM.
import { availableParallelism } from 'node:os';
import { defaultDataDir } from './paths.js';
import { startCluster, type ClusterOptions, type Component } from './cluster.js';
import { parseFlags, oneOf, durationMs } from './flags.js';
import type { LeaderElectionConfig } from '../controllers/manager.js';
import { chooseRuntime, probeRuntime } from './runtime-choice.js';
import { serviceIP } from '../apiserver/service-ips.js';

export { startCluster, components, type Cluster, type ClusterOptions, type ClusterContext, type Component } from './cluster.js';

const USAGE = `Usage: ordinal up [flags]

Runs the cluster in the foreground (logs on stderr; Ctrl-C stops it cleanly).

Flags:
  --data-dir DIR          where the cluster keeps its state (default $ORDINAL_HOME or ~/.ordinal)
  --listen HOST:PORT      API server address (default 127.0.0.1:6443; port 0 = any free port)
  --dns HOST:PORT         cluster DNS address (default 127.0.0.1 on a free port; up prints it)
  --dns-workers N         extra processes answering DNS over UDP (default: cores - 1, at most 3)
  --dns-ttl SECONDS       TTL of cluster DNS answers (default 5)
  --service-cidr CIDR     the Services' ClusterIP range (default 10.96.0.0/12; the kubernetes
                          Service gets its first address, kube-dns its tenth)
  --runtime cri|sim       container runtime: cri = real containers (a private containerd under the
                          data dir; needs root and Debian's containerd runc containernetworking-plugins
                          busybox-static), sim = simulated. Default: cri where it can run, else sim
                          with a notice saying why
  --storage sqlite|etcd|memory   storage backend (default sqlite, a file in the data dir)
  --etcd-endpoints URLS   comma-separated etcd client URLs (with --storage etcd)
  --no-agent              run no node agent in this process (nodes join with 'ordinal agent')
  --leader-elect-lease-duration D   with --storage etcd, servers sharing it elect one to run the
                          controllers (and one the scheduler) through a Lease: how long a
                          candidate waits before taking over a Lease not renewed (default 15s)
  --leader-elect-renew-deadline D   how long the leader keeps leading without renewing (default 10s)
  --leader-elect-retry-period D     how often the leader renews and candidates retry (default 2s)
  -h, --help              show this help`;

/** Set by --no-agent (not a ClusterOptions field: it only changes which components `up` starts). */
let noAgent = false;
/** Set by --leader-elect-*: the controller manager's Lease timings (upstream defaults otherwise). */
let leaderElection: LeaderElectionConfig | undefined;

export function parseUpArgs(args: string[]): ClusterOptions | 'help' {
  const o: ClusterOptions = { dataDir: defaultDataDir(), dnsWorkers: Math.max(0, Math.min(3, availableParallelism() - 1)) };
  const help = parseFlags(args, (flag, val) => {
    switch (flag) {
      case '--data-dir': o.dataDir = val(); break;
      case '--listen': o.listen = val(); break;
      case '--dns': o.dns = val(); break;
      case '--dns-ttl': {
        const v = val();
        if (!/^\d+$/.test(v) || Number(v) > 3600) throw new Error(`--dns-ttl: ${JSON.stringify(v)} is not a number of seconds between 0 and 3600`);
        o.dnsTtl = Number(v);
        break;
      }
      case '--service-cidr': o.serviceCIDR = val(); serviceIP(o.serviceCIDR, 10); break;
      case '--dns-workers': o.dnsWorkers = Number(oneOf(flag, val(), ['0', '1', '2', '3', '4', '5', '6', '7', '8'] as const)); break;
      case '--runtime': o.runtime = oneOf(flag, val(), ['cri', 'sim'] as const); break;
      case '--storage': o.storage = oneOf(flag, val(), ['sqlite', 'etcd', 'memory'] as const); break;
      case '--no-agent': noAgent = true; break;
      case '--leader-elect-lease-duration': (leaderElection ??= {}).leaseDurationSeconds = durationMs(flag, val()) / 1000; break;
      case '--leader-elect-renew-deadline': (leaderElection ??= {}).renewDeadlineMs = durationMs(flag, val()); break;
      case '--leader-elect-retry-period': (leaderElection ??= {}).renewMs = durationMs(flag, val()); break;
      case '--etcd-endpoints': o.etcdEndpoints = val().split(',').map((s) => s.trim()).filter(Boolean); break;
      default: throw new Error(`unknown flag ${JSON.stringify(flag)}`);
    }
  });
  return help ?? o;
}

export async function run(args: string[]): Promise<number> {
  let opts: ClusterOptions | 'help';
  try {
    opts = parseUpArgs(args);
  } catch (e) {
    console.error(`ordinal up: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (opts === 'help') {
    console.log(USAGE);
    return 0;
  }
  const log = (m: string) => process.stderr.write(`${new Date().toISOString()} ${m}\n`);
  // The runtime matters only to the node agent this process runs (none with --no-agent).
  if (!noAgent) {
    const choice = chooseRuntime(opts.runtime, probeRuntime());
    if (choice.error) {
      console.error(`ordinal up: ${choice.error}`);
      return 1;
    }
    if (choice.notice) console.error(`ordinal up: notice: ${choice.notice}`);
    opts.runtime = choice.runtime;
  }
  opts.log = log;
  let componentCount = opts.components?.length ?? 0;
  opts.components ??= [deferredDefaults({ agent: !noAgent, leaderElection }, (n) => (componentCount = n))];
  const t0 = Date.now();
  opts.onApiReady = (i) => log(`API server listening on ${i.url} (storage ${i.storage}, ${noAgent ? 'no node agent' : `runtime ${opts.runtime}`}, data dir ${opts.dataDir}), ready in ${Date.now() - t0} ms`);
  // Signals are handled from the start: a SIGTERM while components are still starting waits for
  // start-up to finish (or fail) and then stops cleanly, instead of killing the process.
  let signalled: string | undefined;
  let onSignal: (sig: string) => void = (sig) => {
    signalled ??= sig;
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  let cluster;
  try {
    cluster = await startCluster(opts);
  } catch (e) {
    log(`ordinal up: ${(e as Error).message}`);
    return signalled ? 0 : 1;
  }
  const started = cluster;
  if (componentCount) log(`${componentCount} components started in ${Date.now() - t0} ms`);
  if (!signalled) process.stderr.write(`\nThe cluster is up. Use it with:\n  export KUBECONFIG=${started.kubeconfigPath}\n  kubectl get namespaces\nor:\n  bin/ordinal kubectl${opts.dataDir !== defaultProcessDir() ? ` --data-dir ${opts.dataDir}` : ''} get namespaces\n\n`);
  return new Promise<number>((resolve) => {
    let stopping = false;
    onSignal = (sig: string) => {
      if (stopping) return;
      stopping = true;
      log(`${sig}: shutting down`);
      const force = setTimeout(() => { log('shutdown timed out'); resolve(1); }, 10_000);
      force.unref();
      started.stop().then(() => { clearTimeout(force); log('stopped'); resolve(0); }, (e) => { log(`shutdown failed: ${(e as Error).message}`); resolve(1); });
    };
    if (signalled) onSignal(signalled);
  });
}

/**
 * `up`'s default components as one: their code (controllers, scheduler, node agent, DNS) is most
 * of the bundle, so it is loaded only once the API answers /readyz, not compiled before it. They
 * start in order and stop in reverse, as startCluster does with a list.
 */
function deferredDefaults(o: { agent: boolean; leaderElection?: LeaderElectionConfig }, counted: (n: number) => void): Component {
  return {
    name: 'components',
    // the defaults include the garbage collector (the API then honours orphan/foreground finalizers)
    garbageCollector: true,
    async start(ctx) {
      const { defaultComponents } = await import('./components.js');
      const comps = defaultComponents(o);
      counted(comps.length);
      const started: { name: string; stop(): Promise<void> | void }[] = [];
      const stopAll = async () => {
        for (const c of started.splice(0).reverse()) {
          try { await c.stop(); } catch (e) { ctx.log(`stopping ${c.name}: ${(e as Error).message}`); }
        }
      };
      try {
        for (const c of comps) {
          const t = Date.now();
          const h = await c.start(ctx);
          started.push({ name: c.name, stop: () => h.stop() });
          if (Date.now() - t > 500) ctx.log(`${c.name} took ${Date.now() - t} ms to start`);
        }
      } catch (e) {
        await stopAll();
        throw e;
      }
      return { stop: stopAll };
    },
  };
}

function defaultProcessDir(): string {
  return defaultDataDir();
}
