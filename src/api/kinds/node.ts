// Node (core/v1, cluster-scoped, +status). Upstream: the node strategy (the kubelet registers a
// Node *with* its status, so create keeps it; updates keep the old status; status writes keep
// the spec), SetDefaults_NodeStatus, ValidateNode(Update), printNode, field selector spec.unschedulable.
import type { KindDefinition } from '../kind.js';
import type { Node } from '../types/core.js';
import { field, GoValue, type FieldError } from '../../machinery/errors.js';
import { isQualifiedName, isValidLabelValue, nameIsDNSSubdomain } from '../../machinery/validation.js';
import { clone } from '../../machinery/object.js';
import { keepOldSpec, keepOldStatus, validateMeta } from '../strategy.js';
import { age, ageColumn, nameColumn } from '../printers.js';

const taintEffects = ['NoExecute', 'NoSchedule', 'PreferNoSchedule'];
const LabelNodeRolePrefix = 'node-role.kubernetes.io/';
const NodeLabelRole = 'kubernetes.io/role';

function validCIDR(s: string): boolean {
  const m = /^(.+)\/(\d+)$/.exec(s);
  if (!m) return false;
  const ip = m[1]!;
  const bits = Number(m[2]);
  if (/^\d+\.\d+\.\d+\.\d+$/.test(ip)) return ip.split('.').every((o) => Number(o) <= 255) && bits <= 32;
  return ip.includes(':') && bits <= 128;
}

function validateNode(node: Node): FieldError[] {
  const errs: FieldError[] = [];
  const spec = node.spec ?? {};
  (spec.podCIDRs ?? []).forEach((c, i) => {
    if (!validCIDR(c)) errs.push(field.invalid(`spec.podCIDRs[${i}]`, c, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'));
  });
  if ((spec.podCIDRs?.length ?? 0) > 2) errs.push(field.invalid('spec.podCIDRs', new GoValue(`[]string{${spec.podCIDRs!.map((c) => JSON.stringify(c)).join(', ')}}`), 'may specify no more than one CIDR for each IP family'));
  const seen = new Set<string>();
  (spec.taints ?? []).forEach((t, i) => {
    const p = `spec.taints[${i}]`;
    if (!t.key) errs.push(field.required(`${p}.key`));
    else for (const m of isQualifiedName(t.key)) errs.push(field.invalid(`${p}.key`, t.key, m));
    if (t.value) for (const m of isValidLabelValue(t.value)) errs.push(field.invalid(`${p}.value`, t.value, m));
    if (!t.effect) errs.push(field.required(`${p}.effect`));
    else if (!taintEffects.includes(t.effect)) errs.push(field.notSupported(`${p}.effect`, t.effect, taintEffects));
    const key = `${t.key}/${t.effect}`;
    if (seen.has(key)) errs.push(field.duplicate(`${p}.effect`, t.effect));
    seen.add(key);
  });
  return errs;
}

function validateNodeUpdate(node: Node, old: Node): FieldError[] {
  const errs: FieldError[] = [];
  const oldCIDRs = old.spec?.podCIDRs ?? [];
  const cidrs = node.spec?.podCIDRs ?? [];
  if (oldCIDRs.length && (oldCIDRs.length !== cidrs.length || oldCIDRs.some((c, i) => c !== cidrs[i]))) {
    errs.push(field.forbidden('spec.podCIDRs', 'node updates may not change podCIDR except from "" to valid'));
  }
  if (old.spec?.providerID && old.spec.providerID !== node.spec?.providerID) {
    errs.push(field.forbidden('spec.providerID', 'node updates may not change providerID except from "" to valid'));
  }
  const addrs = new Set<string>();
  (node.status?.addresses ?? []).forEach((a, i) => {
    const k = `${a.type}/${a.address}`;
    if (addrs.has(k)) errs.push(field.duplicate(`status.addresses[${i}]`, new GoValue(`core.NodeAddress{Type:"${a.type}", Address:"${a.address}"}`)));
    addrs.add(k);
  });
  return errs;
}

/** STATUS cell: Ready / NotReady / Unknown, plus SchedulingDisabled. */
export function nodeStatus(node: Node): string {
  const ready = (node.status?.conditions ?? []).find((c) => c.type === 'Ready');
  const parts = [ready ? (ready.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown'];
  if (node.spec?.unschedulable) parts.push('SchedulingDisabled');
  return parts.join(',');
}

export function nodeRoles(node: Node): string[] {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata.labels ?? {})) {
    if (k.startsWith(LabelNodeRolePrefix)) {
      const r = k.slice(LabelNodeRolePrefix.length);
      if (r) roles.add(r);
    } else if (k === NodeLabelRole && v) roles.add(v);
  }
  return [...roles].sort();
}

const address = (node: Node, type: string) => node.status?.addresses?.find((a) => a.type === type)?.address ?? '<none>';

export const definition: KindDefinition<Node> = {
  group: '', version: 'v1', kind: 'Node', listKind: 'NodeList',
  plural: 'nodes', singular: 'node', shortNames: ['no'],
  namespaced: false,
  subresources: { status: true, other: ['proxy'] },
  openapiName: 'io.k8s.api.core.v1.Node',
  defaults(node) {
    // v1 conversion keeps the legacy singular podCIDR and podCIDRs in step
    const spec = node.spec;
    if (spec?.podCIDR && !spec.podCIDRs?.length) spec.podCIDRs = [spec.podCIDR];
    else if (spec?.podCIDRs?.length && spec.podCIDR !== spec.podCIDRs[0]) spec.podCIDR = spec.podCIDRs[0];
    // SetDefaults_NodeStatus: allocatable defaults to capacity
    if (node.status?.capacity && !node.status.allocatable) node.status.allocatable = clone(node.status.capacity);
  },
  prepare(node, old, ctx) {
    if (!old || ctx.operation === 'create') return;
    if (ctx.operation === 'status') keepOldSpec(node, old);
    else keepOldStatus(node, old);
  },
  validate(node, old) {
    const errs = validateMeta(node, old, { namespaced: false, nameValidator: nameIsDNSSubdomain });
    errs.push(...validateNode(node));
    if (old) errs.push(...validateNodeUpdate(node, old));
    return errs;
  },
  tableColumns: [
    nameColumn,
    { name: 'Status', type: 'string', priority: 0, description: 'The status of the node' },
    { name: 'Roles', type: 'string', priority: 0, description: 'The roles of the node' },
    ageColumn,
    { name: 'Version', type: 'string', priority: 0, description: 'Kubelet Version reported by the node.' },
    { name: 'Internal-IP', type: 'string', priority: 1, description: 'List of addresses reachable to the node. Queried from cloud provider, if available.' },
    { name: 'External-IP', type: 'string', priority: 1, description: 'List of addresses reachable to the node. Queried from cloud provider, if available.' },
    { name: 'OS-Image', type: 'string', priority: 1, description: 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).' },
    { name: 'Kernel-Version', type: 'string', priority: 1, description: "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64)." },
    { name: 'Container-Runtime', type: 'string', priority: 1, description: 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).' },
  ],
  tableRow(node, now) {
    const info = node.status?.nodeInfo;
    return [
      node.metadata.name, nodeStatus(node), nodeRoles(node).join(',') || '<none>', age(node, now), info?.kubeletVersion ?? '',
      address(node, 'InternalIP'), address(node, 'ExternalIP'),
      info?.osImage || '<unknown>', info?.kernelVersion || '<unknown>', info?.containerRuntimeVersion || '<unknown>',
    ];
  },
  fieldSelectors: { 'spec.unschedulable': (node) => String(node.spec?.unschedulable ?? false) },
};
