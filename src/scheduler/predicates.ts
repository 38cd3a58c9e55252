// Scheduling decisions — pure: a pod, the nodes and the pods already on them in; a node or the
// reasons each node was rejected out, worded as upstream's scheduler words them so that
// `kubectl describe pod` shows the familiar FailedScheduling message.
import type { Pod, Node, Toleration, Taint, NodeSelectorTerm, NodeSelectorRequirement } from 'kubernetes-types/core/v1.js';
import { parseQuantity } from '../machinery/quantity.js';

export interface VolumeCheck {
  /** Reason the pod cannot be placed on any node because of its claims (e.g. an unbound Immediate claim), if any. */
  podLevel?: string;
  /** Per-node reason from volume topology, if the node cannot host the pod's volumes. */
  nodeReason?(node: Node): string | undefined;
}

export interface ScheduleInput {
  pod: Pod;
  nodes: Node[];
  /** Pods bound to nodes (any phase but terminal), to account requests and host ports. */
  assigned: Pod[];
  volumes?: VolumeCheck;
}

export type ScheduleResult = { node: string } | { unschedulable: string; reasons: Record<string, number> };

const REASON = {
  selector: "node(s) didn't match Pod's node affinity/selector",
  ports: "node(s) didn't have free ports for the requested pod ports",
  unschedulable: 'node(s) were unschedulable',
  notReady: 'node(s) had untolerated taint {node.kubernetes.io/not-ready: }',
  nodeName: "node(s) didn't match the requested node name",
  tooMany: 'Too many pods',
};

function requirementMatches(r: NodeSelectorRequirement, labels: Record<string, string>): boolean {
  const v = labels[r.key];
  switch (r.operator) {
    case 'In': return v !== undefined && (r.values ?? []).includes(v);
    case 'NotIn': return v === undefined || !(r.values ?? []).includes(v);
    case 'Exists': return v !== undefined;
    case 'DoesNotExist': return v === undefined;
    case 'Gt': return v !== undefined && Number(v) > Number(r.values?.[0]);
    case 'Lt': return v !== undefined && Number(v) < Number(r.values?.[0]);
    default: return false;
  }
}

function termMatches(t: NodeSelectorTerm, node: Node): boolean {
  const labels = node.metadata?.labels ?? {};
  const exprs = t.matchExpressions ?? [];
  const fields = t.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false; // an empty term matches nothing
  return exprs.every((r) => requirementMatches(r, labels)) && fields.every((r) => requirementMatches(r, { 'metadata.name': node.metadata?.name ?? '' }));
}

export function matchesNodeSelectorAndAffinity(pod: Pod, node: Node): boolean {
  const labels = node.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(pod.spec?.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const req = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (req && !(req.nodeSelectorTerms ?? []).some((t) => termMatches(t, node))) return false;
  return true;
}

export function tolerates(tol: Toleration, taint: Taint): boolean {
  if (tol.effect && tol.effect !== taint.effect) return false;
  if (tol.operator === 'Exists') return !tol.key || tol.key === taint.key;
  return tol.key === taint.key && (tol.value ?? '') === (taint.value ?? '');
}

/** The first NoSchedule/NoExecute taint the pod does not tolerate. */
export function untoleratedTaint(pod: Pod, node: Node): Taint | undefined {
  const tols = pod.spec?.tolerations ?? [];
  return (node.spec?.taints ?? []).find((t) => (t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tols.some((tol) => tolerates(tol, t)));
}

// Informer objects are replaced, never mutated, so a pod's requests are computed once per object
// (scheduling looks at every pod on every node for each pending pod).
const requestsOf = new WeakMap<Pod, { cpuMilli: number; memory: number }>();

export function podRequests(pod: Pod): { cpuMilli: number; memory: number } {
  let r = requestsOf.get(pod);
  if (!r) requestsOf.set(pod, (r = computeRequests(pod)));
  return r;
}

function computeRequests(pod: Pod): { cpuMilli: number; memory: number } {
  let cpu = 0, mem = 0;
  for (const c of pod.spec?.containers ?? []) {
    const r = c.resources?.requests ?? {};
    if (r.cpu !== undefined) cpu += parseQuantity(r.cpu).milliValue();
    if (r.memory !== undefined) mem += parseQuantity(r.memory).value();
  }
  // Init containers run one at a time: the pod needs the max of any init container and the sum.
  for (const c of pod.spec?.initContainers ?? []) {
    const r = c.resources?.requests ?? {};
    if (r.cpu !== undefined) cpu = Math.max(cpu, parseQuantity(r.cpu).milliValue());
    if (r.memory !== undefined) mem = Math.max(mem, parseQuantity(r.memory).value());
  }
  return { cpuMilli: cpu, memory: mem };
}

function hostPorts(pod: Pod): string[] {
  const out: string[] = [];
  for (const c of pod.spec?.containers ?? []) for (const p of c.ports ?? []) if (p.hostPort) out.push(`${p.protocol ?? 'TCP'}/${p.hostIP || '0.0.0.0'}/${p.hostPort}`);
  return out;
}

function portsConflict(a: string[], b: string[]): boolean {
  for (const x of a) {
    const [px, ipx, nx] = x.split('/');
    for (const y of b) {
      const [py, ipy, ny] = y.split('/');
      if (px === py && nx === ny && (ipx === ipy || ipx === '0.0.0.0' || ipy === '0.0.0.0')) return true;
    }
  }
  return false;
}

/** Why `node` cannot take `pod`, or undefined when it can. */
// Filters run in upstream's default plugin order (NodeUnschedulable, NodeName, TaintToleration,
// NodeAffinity, NodePorts, NodeResourcesFit, volume plugins); a node reports its first failure.
export function nodeRejection(pod: Pod, node: Node, onNode: Pod[], volumes?: VolumeCheck): string | undefined {
  if (node.spec?.unschedulable && !(pod.spec?.tolerations ?? []).some((t) => tolerates(t, { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }))) return REASON.unschedulable;
  if (pod.spec?.nodeName && pod.spec.nodeName !== node.metadata?.name) return REASON.nodeName;
  const taint = untoleratedTaint(pod, node);
  if (taint) return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`;
  if (!matchesNodeSelectorAndAffinity(pod, node)) return REASON.selector;
  const ports = hostPorts(pod);
  if (ports.length && onNode.some((p) => portsConflict(ports, hostPorts(p)))) return REASON.ports;
  const alloc = node.status?.allocatable ?? {};
  if (alloc.pods !== undefined && onNode.length + 1 > parseQuantity(alloc.pods).value()) return REASON.tooMany;
  const want = podRequests(pod);
  const used = { cpuMilli: 0, memory: 0 };
  if (want.cpuMilli > 0 || want.memory > 0) {
    for (const p of onNode) {
      const r = podRequests(p);
      used.cpuMilli += r.cpuMilli;
      used.memory += r.memory;
    }
  }
  if (want.cpuMilli > 0 && alloc.cpu !== undefined && used.cpuMilli + want.cpuMilli > parseQuantity(alloc.cpu).milliValue()) return 'Insufficient cpu';
  if (want.memory > 0 && alloc.memory !== undefined && used.memory + want.memory > parseQuantity(alloc.memory).value()) return 'Insufficient memory';
  return volumes?.nodeReason?.(node);
}

/** Upstream's FitError text: `0/3 nodes are available: 1 Insufficient cpu, 2 node(s) .... preemption: …`. */
export function fitErrorMessage(total: number, reasons: Record<string, number>, podLevel?: string): string {
  if (total === 0) return 'no nodes available to schedule pods';
  if (podLevel) return `0/${total} nodes are available: ${podLevel}. preemption: 0/${total} nodes are available: ${total} Preemption is not helpful for scheduling.`;
  const parts = Object.entries(reasons).map(([r, n]) => `${n} ${r}`).sort();
  return `0/${total} nodes are available: ${parts.join(', ')}. preemption: 0/${total} nodes are available: ${total} Preemption is not helpful for scheduling.`;
}

export function schedule(input: ScheduleInput): ScheduleResult {
  const { pod, nodes, assigned, volumes } = input;
  if (volumes?.podLevel) return { unschedulable: fitErrorMessage(nodes.length, {}, volumes.podLevel), reasons: {} };
  const byNode = new Map<string, Pod[]>();
  for (const p of assigned) {
    const n = p.spec?.nodeName;
    if (!n || p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') continue;
    let list = byNode.get(n);
    if (!list) byNode.set(n, (list = []));
    list.push(p);
  }
  const reasons: Record<string, number> = {};
  const fit: Node[] = [];
  for (const node of nodes) {
    const why = nodeRejection(pod, node, byNode.get(node.metadata?.name ?? '') ?? [], volumes);
    if (why) reasons[why] = (reasons[why] ?? 0) + 1;
    else fit.push(node);
  }
  if (fit.length === 0) return { unschedulable: fitErrorMessage(nodes.length, reasons), reasons };
  // Spread: least requested CPU share, then fewest pods, then name (deterministic).
  const scores = new Map(fit.map((n) => {
    const list = byNode.get(n.metadata?.name ?? '') ?? [];
    const cpuAlloc = n.status?.allocatable?.cpu !== undefined ? parseQuantity(n.status.allocatable.cpu).milliValue() : 0;
    let used = 0;
    for (const p of list) used += podRequests(p).cpuMilli;
    return [n, [cpuAlloc ? used / cpuAlloc : 0, list.length] as const];
  }));
  fit.sort((a, b) => {
    const [ca, pa] = scores.get(a)!;
    const [cb, pb] = scores.get(b)!;
    return ca - cb || pa - pb || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');
  });
  return { node: fit[0]!.metadata!.name! };
}
