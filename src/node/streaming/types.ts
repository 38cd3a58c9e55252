// The node agent's streaming contract: what the API server asks a node for when kubectl runs
// logs / exec / attach / port-forward. The API server validates the request against the pod
// (container names, states) first; a PodStreamer only moves bytes. src/apiserver/streaming
// declares the same shape structurally (layering: apiserver never imports node).
import type { Readable, Writable } from 'node:stream';
import type { StreamSet } from '../runtime/types.js';

export type { StreamSet };

/** Which pod: uid pins the instance when a pod of the same name is being replaced. */
export interface PodRef { namespace: string; name: string; uid?: string }

export interface LogOptions {
  follow?: boolean;
  /** Only the last N lines. */
  tailLines?: number;
  /** Only lines at or after this time. */
  sinceTime?: Date;
  /** Prefix each line with its RFC3339Nano timestamp. */
  timestamps?: boolean;
  /** Stop after this many bytes of output. */
  limitBytes?: number;
  /** The previous (terminated) instance of the container. */
  previous?: boolean;
}

/** Failure before any byte was streamed; the API server answers it as a Status with this code. */
export class StreamError extends Error {
  constructor(readonly code: 400 | 404 | 500 | 503, message: string) {
    super(message);
  }
}

export interface PodStreamer {
  /** Writes the container's log to `out` (not ended by the callee); follow ends with the container or `signal`. */
  logs(pod: PodRef, container: string, opts: LogOptions, out: Writable, signal: AbortSignal): Promise<void>;
  /** Runs a command in the container; resolves with its exit code. */
  exec(pod: PodRef, container: string, cmd: string[], streams: StreamSet): Promise<number>;
  /** Attaches to the container's main process; resolves when it ends or stdin closes the session. */
  attach(pod: PodRef, container: string, streams: StreamSet): Promise<void>;
  /** Pipes one connection to `port` in the pod's network namespace. */
  portForward(pod: PodRef, port: number, stream: { input: Readable; output: Writable }): Promise<void>;
}

/** Where a container lives in the runtime (what the agent knows from its pod workers). */
export interface ContainerLocation {
  containerId: string;
  sandboxId: string;
  logPath: string;
  /** The log of the previous instance (restartCount > 0), when it still exists. */
  previousLogPath?: string;
}

/** Maps a pod (and optionally a container) to runtime ids; container omitted = just the sandbox. */
export type ContainerLookup = (pod: PodRef, container?: string) => Promise<ContainerLocation | { sandboxId: string } | undefined>;
