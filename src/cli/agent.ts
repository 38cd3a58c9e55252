// `ordinal agent`: a node agent joining a running cluster over HTTPS, and the in-process agent
// component `ordinal up` runs (sim runtime, node name = hostname).
import { serviceIP } from '../apiserver/service-ips.js';
import os from 'node:os';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HttpClient } from '../client/http.js';
import { NodeAgent, type NodeAgentOptions } from '../node/agent.js';
import type { Component } from './cluster.js';
import { defaultDataDir } from './paths.js';
import { parseFlags, oneOf } from './flags.js';
import { streamingFor } from '../apiserver/streaming/handlers.js';
import { startNodeStreamingServer, nodeStreamingOptions, defaultNodeIP, parseDuration, type KubeletServer } from './agent-streams.js';
import { RuntimeStreamer } from '../node/streaming/runtime-streamer.js';
import { containerdUnavailable } from '../node/runtime/containerd.js';
import { onLocalDns } from '../dns/local.js';
import { parseHostPort } from './cluster.js';
import { chooseRuntime, probeRuntime } from './runtime-choice.js';
import { acquireInformers, releaseInformers } from './components.js';

const USAGE = `Usage: ordinal agent --server URL --token TOKEN [flags]

Runs a node agent that joins the cluster at URL (in the foreground; Ctrl-C stops it — the
runtime's containers are kept and adopted when it starts again).

Flags:
  --server URL          the API server (https://HOST:PORT)
  --token TOKEN         bearer token (or --token-file FILE)
  --ca-file FILE        CA certificate of the API server
  --name NODE           node name (default: the hostname)
  --runtime sim|cri     container runtime: cri = real containers in a private containerd (root +
                        Debian containerd runc containernetworking-plugins busybox-static), sim =
                        simulated. Default: cri where it can run, else sim with a notice saying why
  --data-dir DIR        where pods' volumes and logs live (default <data dir>/agent-<name>)
  --cluster-dns IP      cluster DNS address written into pods' resolv.conf (default 10.96.0.10)
  --dns-server HOST:PORT   where cluster DNS really listens, on this machine (\`ordinal up\` prints
                        it): with --runtime cri, pods' queries to the --cluster-dns IP go there
  --node-ip IP          the node's InternalIP (default: the first non-loopback IPv4)
  --address IP          where the streaming server (logs, exec, attach, port-forward) listens
                        (default: the node IP)
  --port N              the streaming server's port (default 10250; 0 = any free port)
  --node-status-update-frequency D   how often the node status is posted and the Lease renewed
                        (default 10s)
  -h, --help            show this help`;

interface AgentArgs {
  server?: string;
  token?: string;
  caFile?: string;
  name?: string;
  /** undefined = decide (chooseRuntime). */
  runtime?: 'sim' | 'cri';
  dataDir?: string;
  clusterDNS?: string;
  dnsServer?: { host: string; port: number };
  nodeIP?: string;
  address?: string;
  port: number;
  statusUpdateMs?: number;
}

export function parseAgentArgs(args: string[]): AgentArgs | 'help' {
  const o: AgentArgs = { port: 10250 };
  const help = parseFlags(args, (flag, val) => {
    switch (flag) {
      case '--server': o.server = val(); break;
      case '--token': o.token = val(); break;
      case '--token-file': o.token = readFileSync(val(), 'utf8').trim(); break;
      case '--ca-file': o.caFile = val(); break;
      case '--name': o.name = val(); break;
      case '--data-dir': o.dataDir = val(); break;
      case '--cluster-dns': o.clusterDNS = val(); break;
      case '--dns-server': o.dnsServer = parseHostPort(val(), 53); break;
      case '--node-ip': o.nodeIP = val(); break;
      case '--address': o.address = val(); break;
      case '--port': {
        const v = val();
        if (!/^\d+$/.test(v) || Number(v) > 65535) throw new Error(`--port must be a port number, not ${JSON.stringify(v)}`);
        o.port = Number(v);
        break;
      }
      case '--node-status-update-frequency': o.statusUpdateMs = parseDuration(val()); break;
      case '--runtime': o.runtime = oneOf(flag, val(), ['cri', 'sim'] as const); break;
      default: throw new Error(`unknown flag ${JSON.stringify(flag)}`);
    }
  });
  return help ?? o;
}

export async function run(args: string[]): Promise<number> {
  let o: AgentArgs | 'help';
  try {
    o = parseAgentArgs(args);
    if (o !== 'help' && !o.server) throw new Error('--server is required');
    if (o !== 'help' && !o.token) throw new Error('--token (or --token-file) is required');
  } catch (e) {
    console.error(`ordinal agent: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (o === 'help') {
    console.log(USAGE);
    return 0;
  }
  const choice = chooseRuntime(o.runtime, probeRuntime());
  if (choice.error) {
    console.error(`ordinal agent: ${choice.error}`);
    return 1;
  }
  if (choice.notice) console.error(`ordinal agent: notice: ${choice.notice}`);
  o.runtime = choice.runtime;
  const log = (m: string) => process.stderr.write(`${new Date().toISOString()} ${m}\n`);
  const name = (o.name ?? os.hostname()).toLowerCase();
  const caPem = o.caFile ? readFileSync(o.caFile, 'utf8') : undefined;
  const client = new HttpClient({ url: o.server!, token: o.token, caPem, userAgent: `ordinal-agent/${name}` });
  const dataDir = o.dataDir ?? join(defaultDataDir(), `agent-${name}`);
  // The CRI runtime starts its containerd on first use, once the agent knows its pod CIDR.
  const runtime = o.runtime === 'cri' ? new (await import('../node/runtime/cri.js')).CriRuntime({ dataDir, podCIDR: () => agent.podCIDR, log, ...criEnv() }) : undefined;
  if (o.dnsServer) runtime?.setClusterDNS({ serviceIPs: [o.clusterDNS ?? '10.96.0.10'], ...o.dnsServer });
  // logs/exec/attach/port-forward: the API server connects to this node's streaming server (the
  // kubelet's port), which accepts only the API server's certificate; our certificate's fingerprint
  // is published on the Node so the API server can check it is talking to this agent.
  let kubelet: KubeletServer;
  try {
    kubelet = await startNodeStreamingServer({ server: o.server!, caPem, host: o.address ?? o.nodeIP ?? defaultNodeIP(), port: o.port, runtime: () => agent.runtime, log });
  } catch (e) {
    console.error(`ordinal agent: streaming server: ${(e as Error).message}`);
    await runtime?.close();
    return 1;
  }
  const agent: NodeAgent = new NodeAgent({
    client, nodeName: name, runtimeKind: o.runtime, runtime, dataDir,
    clusterDNS: o.clusterDNS ? [o.clusterDNS] : undefined, nodeIP: o.nodeIP, log,
    ...nodeStreamingOptions(kubelet),
    ...(o.statusUpdateMs ? { statusUpdateMs: o.statusUpdateMs, leaseRenewMs: Math.min(o.statusUpdateMs, 10_000) } : {}),
  });
  try {
    await agent.start();
  } catch (e) {
    console.error(`ordinal agent: ${(e as Error).message}`);
    await agent.stop();
    await kubelet.close();
    await runtime?.close();
    return 1;
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await kubelet.close();
  await agent.stop();
  await runtime?.close();
  return 0;
}

/**
 * ORDINAL_CRI_BRIDGE / ORDINAL_CRI_CGROUP_ROOT: a bridge and cgroup parent of the node's own, so
 * that a test's cluster never shares the default ones with another cluster on the same machine.
 */
function criEnv(): { bridgeName?: string; cgroupRoot?: string } {
  return { bridgeName: process.env.ORDINAL_CRI_BRIDGE || undefined, cgroupRoot: process.env.ORDINAL_CRI_CGROUP_ROOT || undefined };
}

/** An in-process node agent for `ordinal up` and tests (sim runtime unless told otherwise). */
export function nodeAgentComponent(opts: Partial<Omit<NodeAgentOptions, 'client'>> = {}): Component & { agent?: NodeAgent } {
  const comp: Component & { agent?: NodeAgent } = {
    name: `node-agent${opts.nodeName ? `-${opts.nodeName}` : ''}`,
    async start(ctx) {
      const kind = opts.runtime?.name ?? opts.runtimeKind ?? ctx.opts.runtime ?? 'sim';
      const unavailable = kind === 'cri' && !opts.runtime ? containerdUnavailable() : undefined;
      if (unavailable) throw new Error(`the cri runtime cannot run containerd on this machine: ${unavailable} (or run \`ordinal up --runtime sim\`)`);
      // In-process: the API server's handler directly (an `ordinal agent` elsewhere uses HTTPS).
      const overHttps = process.env.ORDINAL_COMPONENTS_OVER_HTTPS === '1';
      const client = overHttps ? new HttpClient({ url: ctx.url, token: ctx.token, caPem: ctx.caPem, userAgent: 'ordinal-agent' }) : ctx.inProcessClient();
      // In-process, the agent reads from the caches the controllers already keep.
      const informers = overHttps ? undefined : acquireInformers(ctx);
      const name = (opts.nodeName ?? os.hostname()).toLowerCase();
      const dataDir = opts.dataDir ?? join(ctx.dataDir, 'agent', name);
      // The CRI runtime starts its containerd on first use, once the agent knows its pod CIDR.
      const ownRuntime = kind === 'cri' && !opts.runtime
        ? new (await import('../node/runtime/cri.js')).CriRuntime({
          dataDir, podCIDR: () => agent.podCIDR, log: ctx.log, ...criEnv(),
        })
        : undefined;
      // The kubelet's --cluster-dns: the kube-dns ClusterIP, the tenth address of the service range.
      const clusterDNS = opts.clusterDNS ?? [ctx.opts.serviceCIDR ? serviceIP(ctx.opts.serviceCIDR, 10) : '10.96.0.10'];
      const agent: NodeAgent = new NodeAgent({ log: ctx.log, ...opts, clusterDNS, dataDir, nodeName: name, client, informers, runtimeKind: kind, runtime: opts.runtime ?? ownRuntime });
      comp.agent = agent;
      try {
        await agent.start();
      } catch (e) {
        await agent.stop();
        await ownRuntime?.close();
        if (informers) releaseInformers(ctx);
        throw e;
      }
      // Pods' resolv.conf names the kube-dns ClusterIP; a runtime with real networking sends it to our DNS.
      const cancelDns = onLocalDns(ctx, (addr) => agent.runtime.setClusterDNS?.({ serviceIPs: clusterDNS, ...addr }));
      // logs, exec, attach, port-forward: the API server streams to this node's runtime.
      const unregisterStreams = streamingFor(ctx).register(name, new RuntimeStreamer(agent.runtime));
      return {
        stop: async () => {
          cancelDns();
          unregisterStreams();
          await agent.stop();
          await ownRuntime?.close();
          if (informers) releaseInformers(ctx);
        },
      };
    },
  };
  return comp;
}

/** The node lifecycle controller (NotReady/Unknown, taints, eviction) as an `up` component. */
export function nodeLifecycleComponent(opts: { gracePeriodMs?: number; monitorPeriodMs?: number } = {}): Component {
  return {
    name: 'node-lifecycle-controller',
    async start(ctx) {
      const { startNodeLifecycleController } = await import('../controllers/nodelifecycle/controller.js');
      const client = new HttpClient({ url: ctx.url, token: ctx.token, caPem: ctx.caPem, userAgent: 'ordinal-node-lifecycle' });
      const c = startNodeLifecycleController(client, { ...opts, log: ctx.log });
      return { stop: () => c.stop() };
    },
  };
}
