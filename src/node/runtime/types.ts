// The container runtime contract, shaped after CRI (RuntimeService + ImageService) so that the
// containerd implementation is a thin gRPC mapping and the simulated runtime stands in for it.
import type { Readable, Writable } from 'node:stream';

export interface Mount { containerPath: string; hostPath: string; readonly?: boolean }
export interface KeyValue { key: string; value: string }
export interface PortMapping { protocol: 'TCP' | 'UDP' | 'SCTP'; containerPort: number; hostPort?: number; hostIp?: string }

export interface DNSConfig { servers: string[]; searches: string[]; options: string[] }

export interface PodSandboxConfig {
  metadata: { name: string; uid: string; namespace: string; attempt: number };
  hostname: string;
  logDirectory: string;
  dnsConfig: DNSConfig;
  /** /etc/hosts content the runtime mounts (the kubelet writes it; kept here for the sim). */
  hostsFile?: string;
  portMappings: PortMapping[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  hostNetwork?: boolean;
}

export interface ContainerConfig {
  metadata: { name: string; attempt: number };
  image: string;
  command: string[];
  args: string[];
  workingDir?: string;
  envs: KeyValue[];
  mounts: Mount[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Relative to the sandbox's logDirectory. */
  logPath: string;
  stdin?: boolean;
  stdinOnce?: boolean;
  tty?: boolean;
}

export type SandboxState = 'SANDBOX_READY' | 'SANDBOX_NOTREADY';
export type ContainerState = 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';

export interface SandboxStatus {
  id: string;
  state: SandboxState;
  createdAt: number; // ms since epoch
  ip?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  metadata: PodSandboxConfig['metadata'];
}

export interface ContainerStatus {
  id: string;
  sandboxId: string;
  name: string;
  attempt: number;
  state: ContainerState;
  image: string;
  imageRef: string;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  exitCode?: number;
  reason?: string; // 'Completed' | 'Error' | 'OOMKilled' …
  message?: string;
  labels: Record<string, string>;
  logPath: string;
}

export interface ExecResult { stdout: Buffer; stderr: Buffer; exitCode: number }

/** Byte streams of an interactive exec/attach; any may be absent. */
export interface StreamSet {
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
  tty?: boolean;
  /** Terminal size changes (TTY only). */
  resize?: AsyncIterable<{ width: number; height: number }>;
}

/** Errors the kubelet maps onto container waiting reasons. */
export class RuntimeError extends Error {
  constructor(readonly reason: 'ErrImagePull' | 'ImageInspectError' | 'CreateContainerError' | 'RunContainerError' | 'NotFound' | 'Unavailable', message: string) {
    super(message);
  }
}

export interface Runtime {
  readonly name: 'sim' | 'cri';
  version(): Promise<{ runtimeName: string; runtimeVersion: string }>;

  // ImageService
  /** Image ref; RuntimeError('ErrImagePull') on failure. The sandbox config travels along as in CRI. */
  pullImage(image: string, sandbox?: PodSandboxConfig): Promise<string>;
  imageStatus(image: string): Promise<{ ref: string } | undefined>;

  // Sandboxes
  runPodSandbox(config: PodSandboxConfig): Promise<string>;
  stopPodSandbox(id: string): Promise<void>;
  removePodSandbox(id: string): Promise<void>;
  podSandboxStatus(id: string): Promise<SandboxStatus | undefined>;
  listPodSandboxes(): Promise<SandboxStatus[]>;

  // Containers
  createContainer(sandboxId: string, config: ContainerConfig, sandbox: PodSandboxConfig): Promise<string>;
  startContainer(id: string): Promise<void>;
  /** SIGTERM, then SIGKILL after `timeoutSeconds`. */
  stopContainer(id: string, timeoutSeconds: number): Promise<void>;
  removeContainer(id: string): Promise<void>;
  containerStatus(id: string): Promise<ContainerStatus | undefined>;
  listContainers(sandboxId?: string): Promise<ContainerStatus[]>;

  // Streaming
  execSync(id: string, cmd: string[], timeoutSeconds: number): Promise<ExecResult>;
  exec(id: string, cmd: string[], streams: StreamSet): Promise<number>; // exit code
  attach(id: string, streams: StreamSet): Promise<void>;
  portForward(sandboxId: string, port: number, stream: { input: Readable; output: Writable }): Promise<void>;

  /**
   * Probe outcome the runtime decides itself (the simulated runtime, for httpGet/tcpSocket probes
   * that have no real endpoint); undefined = probe for real.
   */
  simulatedProbe?(containerId: string, kind: 'readiness' | 'liveness' | 'startup', probeType: 'exec' | 'httpGet' | 'tcpSocket' | 'grpc'): boolean | undefined;
  /** The pod's annotations changed (the simulated runtime is steered by them). */
  updatePodAnnotations?(sandboxId: string, annotations: Record<string, string>): void;
  /**
   * A runtime whose containers see an in-memory file system (the simulated one) takes the pod's
   * /etc/hosts here instead of a file on disk bind-mounted into each container.
   */
  setHostsFile?(sandboxId: string, content: string): void;

  /**
   * Where the cluster DNS server really listens (host:port), for pods whose resolv.conf names the
   * kube-dns ClusterIP(s) `serviceIPs`; a runtime with real pod networking routes them there.
   */
  setClusterDNS?(r: { serviceIPs: string[]; host: string; port: number }): void;

  /** Called when the agent stops; the runtime keeps its containers (they are adopted on restart). */
  close(): Promise<void>;
}
