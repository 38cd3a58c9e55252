// Pod garbage collection — pure. Upstream's PodGC: pods bound to a Node that no longer exists are
// force-deleted, and so are terminating pods on a node that is not Ready and carries the
// `node.kubernetes.io/out-of-service` taint (non-graceful node shutdown). Without either, a pod
// on a dead node stays Terminating — a StatefulSet never runs two pods with one identity.
import type { Pod, Node } from 'kubernetes-types/core/v1.js';

export const OUT_OF_SERVICE = 'node.kubernetes.io/out-of-service';

export interface PodGcInput {
  pods: Pod[];
  nodes: Node[];
  /** Node names seen missing long enough (upstream waits ~40 s before trusting the absence). */
  confirmedMissing: Set<string>;
}

export type PodGcAction = { type: 'forceDelete'; namespace: string; name: string; uid?: string; reason: string };

const nodeReady = (n: Node) => (n.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
const outOfService = (n: Node) => (n.spec?.taints ?? []).some((t) => t.key === OUT_OF_SERVICE && t.effect === 'NoExecute');

/** Node names pods are bound to that have no Node object (candidates for the quarantine). */
export function missingNodes(pods: Pod[], nodes: Node[]): Set<string> {
  const known = new Set(nodes.map((n) => n.metadata?.name));
  const out = new Set<string>();
  for (const p of pods) if (p.spec?.nodeName && !known.has(p.spec.nodeName)) out.add(p.spec.nodeName);
  return out;
}

export function reconcilePodGc(input: PodGcInput): PodGcAction[] {
  const byName = new Map(input.nodes.map((n) => [n.metadata?.name ?? '', n]));
  const actions: PodGcAction[] = [];
  for (const p of input.pods) {
    const nodeName = p.spec?.nodeName;
    if (!nodeName) continue;
    const ref = { namespace: p.metadata?.namespace ?? 'default', name: p.metadata?.name ?? '', uid: p.metadata?.uid };
    const node = byName.get(nodeName);
    if (!node) {
      if (input.confirmedMissing.has(nodeName)) actions.push({ type: 'forceDelete', ...ref, reason: `pod is bound to node "${nodeName}", which no longer exists` });
      continue;
    }
    if (p.metadata?.deletionTimestamp && !nodeReady(node) && outOfService(node)) {
      actions.push({ type: 'forceDelete', ...ref, reason: `node "${nodeName}" is out of service` });
    }
  }
  return actions;
}
