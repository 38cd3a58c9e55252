// A PodStreamer over a CRI-shaped Runtime: logs are read from the container's CRI log file (and
// followed by polling it until the container exits), exec/attach/port-forward go to the runtime.
// Which container is meant comes from a lookup; the default one reads the kubelet's labels on the
// runtime's containers (pod uid/name/namespace, container name) so no agent state is needed.
import { open, stat, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { Runtime, StreamSet, ContainerStatus } from '../runtime/types.js';
import { LogFormatter, splitEntries, tailEntries } from './cri-log.js';
import { StreamError, type PodStreamer, type PodRef, type LogOptions, type ContainerLookup, type ContainerLocation } from './types.js';

const L_UID = 'io.kubernetes.pod.uid';
const L_NAME = 'io.kubernetes.pod.name';
const L_NS = 'io.kubernetes.pod.namespace';
const L_CONTAINER = 'io.kubernetes.container.name';

/** How often a followed log file is checked for growth. */
const FOLLOW_POLL_MS = 100;

/** The default lookup: containers by the labels the pod worker puts on them, newest attempt first. */
export function labelLookup(runtime: Runtime): ContainerLookup {
  return async (pod, container) => {
    const mine = (labels: Record<string, string>) =>
      pod.uid ? labels[L_UID] === pod.uid : labels[L_NS] === pod.namespace && labels[L_NAME] === pod.name;
    if (container === undefined) {
      const sbs = (await runtime.listPodSandboxes()).filter((s) => mine(s.labels) && s.state === 'SANDBOX_READY');
      sbs.sort((a, b) => b.createdAt - a.createdAt);
      return sbs[0] ? { sandboxId: sbs[0].id } : undefined;
    }
    const cs = (await runtime.listContainers()).filter((c) => mine(c.labels) && c.labels[L_CONTAINER] === container);
    cs.sort((a, b) => b.attempt - a.attempt || b.createdAt - a.createdAt);
    const cur = cs[0];
    if (!cur) return undefined;
    const loc: ContainerLocation = { containerId: cur.id, sandboxId: cur.sandboxId, logPath: cur.logPath };
    const prev = cs[1]?.logPath ?? (cur.attempt > 0 ? join(dirname(cur.logPath), `${cur.attempt - 1}.log`) : undefined);
    if (prev && await exists(prev)) loc.previousLogPath = prev;
    return loc;
  };
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

export class RuntimeStreamer implements PodStreamer {
  private readonly lookup: ContainerLookup;

  constructor(private readonly runtime: Runtime, lookup?: ContainerLookup) {
    this.lookup = lookup ?? labelLookup(runtime);
  }

  private async container(pod: PodRef, container: string): Promise<ContainerLocation> {
    const loc = await this.lookup(pod, container);
    if (!loc || !('containerId' in loc)) throw new StreamError(404, `container not found (${JSON.stringify(container)})`);
    return loc;
  }

  async logs(pod: PodRef, container: string, opts: LogOptions, out: Writable, signal: AbortSignal): Promise<void> {
    const loc = await this.container(pod, container);
    let path = loc.logPath;
    if (opts.previous) {
      // Upstream's "previous" is lastState.terminated: the newest instance when it has exited
      // (waiting to restart), else the one before the running instance.
      const st = await this.runtime.containerStatus(loc.containerId);
      path = (st?.state === 'CONTAINER_EXITED' ? loc.logPath : loc.previousLogPath) ?? '';
    }
    if (!path) throw new StreamError(400, `previous terminated container ${JSON.stringify(container)} in pod ${JSON.stringify(pod.name)} not found`);
    const fmt = new LogFormatter(opts);
    let fh: FileHandle | undefined;
    try {
      fh = await open(path, 'r');
    } catch {
      // No log file yet (the container has written nothing): an empty log, or wait for one when following.
      if (!opts.follow || opts.previous) return;
    }
    let pos = 0;
    let rest: Buffer = Buffer.alloc(0);
    const readMore = async (): Promise<Buffer> => {
      if (!fh) {
        try { fh = await open(path, 'r'); } catch { return Buffer.alloc(0); }
      }
      const chunks: Buffer[] = [];
      for (;;) {
        const buf = Buffer.alloc(64 * 1024);
        const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
        if (bytesRead === 0) break;
        pos += bytesRead;
        chunks.push(buf.subarray(0, bytesRead));
      }
      return Buffer.concat(chunks);
    };
    const write = (b: Buffer) => new Promise<void>((resolve) => {
      if (b.length === 0 || out.destroyed) return resolve();
      if (out.write(b)) resolve(); else out.once('drain', resolve).once('close', resolve);
    });
    try {
      // The existing content: tail applies to it only (upstream reads the last N lines, then follows).
      const first = splitEntries(Buffer.concat([rest, await readMore()]));
      rest = first.rest;
      await write(fmt.format(tailEntries(first.entries, opts.tailLines)));
      if (!opts.follow || opts.previous) return;
      for (;;) {
        if (fmt.full || signal.aborted || out.destroyed) return;
        const st: ContainerStatus | undefined = await this.runtime.containerStatus(loc.containerId);
        const exited = !st || st.state === 'CONTAINER_EXITED';
        const more = splitEntries(Buffer.concat([rest, await readMore()]));
        rest = more.rest;
        await write(fmt.format(more.entries));
        if (exited) return; // read once more after the exit was seen, then stop
        await sleep(FOLLOW_POLL_MS, signal);
      }
    } finally {
      await fh?.close().catch(() => {});
    }
  }

  async exec(pod: PodRef, container: string, cmd: string[], streams: StreamSet): Promise<number> {
    const loc = await this.container(pod, container);
    return this.runtime.exec(loc.containerId, cmd, streams);
  }

  async attach(pod: PodRef, container: string, streams: StreamSet): Promise<void> {
    const loc = await this.container(pod, container);
    return this.runtime.attach(loc.containerId, streams);
  }

  async portForward(pod: PodRef, port: number, stream: { input: Readable; output: Writable }): Promise<void> {
    const loc = await this.lookup(pod);
    if (!loc) throw new StreamError(404, `pod ${pod.namespace}/${pod.name} has no running sandbox on this node`);
    return this.runtime.portForward(loc.sandboxId, port, stream);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}
