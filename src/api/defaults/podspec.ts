// Pod spec defaulting (upstream pkg/apis/core/v1/defaults.go SetDefaults_* for PodSpec, Container,
// ports, probes, handlers, volumes, env sources, PVCs) plus the defaults that only Pods get
// (SetDefaults_Pod) and the ones upstream admission plugins add to Pods on create (ServiceAccount,
// Priority, DefaultTolerationSeconds). Pod templates get only the PodSpec part, as upstream:
// `kubectl get sts -o yaml` shows no enableServiceLinks or tolerations in the template.
import type {
  Container, ContainerPort, PersistentVolumeClaim, Pod, PodSpec, PodTemplateSpec, Probe, Volume, Toleration,
} from 'kubernetes-types/core/v1.js';

import { canonicalizeResourceList, canonicalQuantity } from '../validation/quantity.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
const mut = <T>(v: T) => v as Mutable<T>;

/** upstream: `:latest` or no tag → Always; a tag or a digest → IfNotPresent. */
export function defaultPullPolicy(image: string | undefined): 'Always' | 'IfNotPresent' {
  const img = image ?? '';
  if (img.includes('@')) return 'IfNotPresent';
  const lastSlash = img.lastIndexOf('/');
  const lastColon = img.lastIndexOf(':');
  const tag = lastColon > lastSlash ? img.slice(lastColon + 1) : '';
  return tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultHandler(h: any): void {
  if (!h) return;
  if (h.httpGet) {
    if (h.httpGet.path === undefined || h.httpGet.path === '') h.httpGet.path = '/';
    if (!h.httpGet.scheme) h.httpGet.scheme = 'HTTP';
  }
}

export function defaultProbe(p: Probe | undefined): void {
  if (!p) return;
  const m = mut(p);
  if (!m.timeoutSeconds) m.timeoutSeconds = 1;
  if (!m.periodSeconds) m.periodSeconds = 10;
  if (!m.successThreshold) m.successThreshold = 1;
  if (!m.failureThreshold) m.failureThreshold = 3;
  defaultHandler(m);
  if (m.grpc && m.grpc.service === undefined) (m.grpc as any).service = '';
}

function defaultPorts(ports: ContainerPort[] | undefined, hostNetwork: boolean): void {
  for (const p of ports ?? []) {
    const m = mut(p);
    if (!m.protocol) m.protocol = 'TCP';
    // SetDefaults_Pod/PodSpec with hostNetwork: the host port is the container port.
    if (hostNetwork && !m.hostPort) m.hostPort = m.containerPort;
  }
}

function defaultEnv(c: Container): void {
  for (const e of c.env ?? []) {
    const vf = e.valueFrom as any;
    if (vf?.fieldRef && !vf.fieldRef.apiVersion) vf.fieldRef.apiVersion = 'v1';
    if (vf?.resourceFieldRef && vf.resourceFieldRef.divisor === undefined) vf.resourceFieldRef.divisor = '0';
  }
}

export function defaultContainer(c: Container, hostNetwork = false): void {
  const m = mut(c);
  if (!m.imagePullPolicy) m.imagePullPolicy = defaultPullPolicy(m.image);
  if (!m.terminationMessagePath) m.terminationMessagePath = '/dev/termination-log';
  if (!m.terminationMessagePolicy) m.terminationMessagePolicy = 'File';
  // A non-pointer struct upstream: always serialized, `resources: {}` when empty.
  if (!m.resources) m.resources = {};
  canonicalizeResourceList(m.resources.limits as Record<string, unknown> | undefined);
  canonicalizeResourceList(m.resources.requests as Record<string, unknown> | undefined);
  defaultPorts(m.ports, hostNetwork);
  defaultProbe(m.livenessProbe);
  defaultProbe(m.readinessProbe);
  defaultProbe(m.startupProbe);
  defaultHandler(m.lifecycle?.postStart);
  defaultHandler(m.lifecycle?.preStop);
  defaultEnv(m);
}

const volumeSources = [
  'hostPath', 'emptyDir', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'secret', 'nfs', 'iscsi', 'glusterfs',
  'persistentVolumeClaim', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'downwardAPI', 'fc', 'azureFile',
  'configMap', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'projected', 'portworxVolume',
  'scaleIO', 'storageos', 'csi', 'ephemeral', 'image',
];

export function defaultVolume(v: Volume): void {
  const m = v as any;
  if (!volumeSources.some((s) => m[s] !== undefined && m[s] !== null)) m.emptyDir = {};
  if (m.configMap && m.configMap.defaultMode === undefined) m.configMap.defaultMode = 420;
  if (m.secret && m.secret.defaultMode === undefined) m.secret.defaultMode = 420;
  if (m.downwardAPI) {
    if (m.downwardAPI.defaultMode === undefined) m.downwardAPI.defaultMode = 420;
    for (const it of m.downwardAPI.items ?? []) if (it.fieldRef && !it.fieldRef.apiVersion) it.fieldRef.apiVersion = 'v1';
  }
  if (m.projected && m.projected.defaultMode === undefined) m.projected.defaultMode = 420;
  if (m.projected) {
    for (const src of m.projected.sources ?? []) {
      if (src.serviceAccountToken && src.serviceAccountToken.expirationSeconds === undefined) src.serviceAccountToken.expirationSeconds = 3600;
      for (const it of src.downwardAPI?.items ?? []) if (it.fieldRef && !it.fieldRef.apiVersion) it.fieldRef.apiVersion = 'v1';
    }
  }
  if (m.hostPath && m.hostPath.type === undefined) m.hostPath.type = '';
  if (m.emptyDir && m.emptyDir.sizeLimit !== undefined) m.emptyDir.sizeLimit = canonicalQuantity(m.emptyDir.sizeLimit);
  if (m.iscsi && !m.iscsi.iscsiInterface) m.iscsi.iscsiInterface = 'default';
  if (m.azureDisk) {
    if (!m.azureDisk.cachingMode) m.azureDisk.cachingMode = 'ReadWrite';
    if (!m.azureDisk.fsType) m.azureDisk.fsType = 'ext4';
    if (m.azureDisk.readOnly === undefined) m.azureDisk.readOnly = false;
    if (!m.azureDisk.kind) m.azureDisk.kind = 'Shared';
  }
  if (m.ephemeral?.volumeClaimTemplate?.spec) defaultClaimSpec(m.ephemeral.volumeClaimTemplate.spec);
}

/** SetDefaults_PodSpec (+ the per-container and per-volume defaults it recurses into). */
export function defaultPodSpec(spec: PodSpec | undefined): void {
  if (!spec) return;
  const s = mut(spec);
  if (!s.dnsPolicy) s.dnsPolicy = 'ClusterFirst';
  if (!s.restartPolicy) s.restartPolicy = 'Always';
  if (!s.securityContext) s.securityContext = {};
  if (s.terminationGracePeriodSeconds === undefined || s.terminationGracePeriodSeconds === null) s.terminationGracePeriodSeconds = 30;
  if (!s.schedulerName) s.schedulerName = 'default-scheduler';
  // v1 conversion keeps the deprecated serviceAccount in step with serviceAccountName.
  if (!s.serviceAccountName && s.serviceAccount) s.serviceAccountName = s.serviceAccount;
  if (s.serviceAccountName) s.serviceAccount = s.serviceAccountName;
  const hostNetwork = s.hostNetwork === true;
  for (const c of s.containers ?? []) defaultContainer(c, hostNetwork);
  for (const c of s.initContainers ?? []) defaultContainer(c, hostNetwork);
  for (const c of (s.ephemeralContainers ?? []) as Container[]) defaultContainer(c, false);
  for (const v of s.volumes ?? []) defaultVolume(v);
}

export function defaultPodTemplateSpec(t: PodTemplateSpec | undefined): void {
  if (!t) return;
  defaultPodSpec(t.spec);
}

function defaultClaimSpec(spec: any): void {
  if (!spec.volumeMode) spec.volumeMode = 'Filesystem';
  canonicalizeResourceList(spec.resources?.requests);
  canonicalizeResourceList(spec.resources?.limits);
}

/** SetDefaults_PersistentVolumeClaim(+Spec): used for StatefulSet volumeClaimTemplates. */
export function defaultClaim(pvc: PersistentVolumeClaim): void {
  const m = pvc as any;
  if (!m.spec) m.spec = {};
  defaultClaimSpec(m.spec);
  if (!m.status) m.status = {};
  if (!m.status.phase) m.status.phase = 'Pending';
}

/** SetDefaults_Pod: the defaults a Pod gets on top of its PodSpec's. */
export function defaultPod(pod: Pod): void {
  normalizeNulls(pod);
  const spec = mut((pod as any).spec ?? ((pod as any).spec = {})) as Mutable<PodSpec>;
  // Limits without requests: requests default to the limits (per resource).
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    const r = c.resources as any;
    if (!r?.limits) continue;
    r.requests ??= {};
    for (const [k, v] of Object.entries(r.limits)) if (r.requests[k] === undefined) r.requests[k] = v;
  }
  if (spec.enableServiceLinks === undefined || spec.enableServiceLinks === null) spec.enableServiceLinks = true;
  defaultPodSpec(spec);
}

const builtinPriorityClasses: Record<string, number> = {
  'system-cluster-critical': 2000000000,
  'system-node-critical': 2000001000,
};

export const notReadyTaint = 'node.kubernetes.io/not-ready';
export const unreachableTaint = 'node.kubernetes.io/unreachable';

/**
 * What upstream's admission plugins add to a Pod on create: ServiceAccount (serviceAccountName
 * `default`), Priority (priority from the class, 0 without one; preemptionPolicy), and
 * DefaultTolerationSeconds (tolerate not-ready/unreachable NoExecute for 300 s).
 */
export function admitPodCreate(pod: Pod): void {
  const spec = mut((pod as any).spec ?? ((pod as any).spec = {})) as Mutable<PodSpec>;
  if (!spec.serviceAccountName) spec.serviceAccountName = 'default';
  spec.serviceAccount = spec.serviceAccountName;
  if (spec.priority === undefined || spec.priority === null) {
    const cls = spec.priorityClassName ?? '';
    spec.priority = builtinPriorityClasses[cls] ?? 0;
  }
  if (!spec.preemptionPolicy) spec.preemptionPolicy = 'PreemptLowerPriority';
  const tols = [...(spec.tolerations ?? [])];
  const tolerates = (key: string) =>
    tols.some((t) => (t.key === key || !t.key) && (t.effect === 'NoExecute' || !t.effect));
  const add: Toleration[] = [];
  if (!tolerates(notReadyTaint)) add.push({ key: notReadyTaint, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 });
  if (!tolerates(unreachableTaint)) add.push({ key: unreachableTaint, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 });
  if (add.length) spec.tolerations = [...tols, ...add];
}

/**
 * Go decoding semantics for JSON nulls, applied before anything else looks at an object: a null
 * field is the zero value (omitted when re-encoded), a null list element is a zero struct (or an
 * empty string in a list of strings). Keeps `"ports": null` or `"containers": [null]` from
 * reaching code that expects objects. `skip` names top-level fields holding raw JSON (left alone).
 */
export function normalizeNulls(v: unknown, skip: string[] = []): void {
  if (Array.isArray(v)) {
    const strings = v.some((x) => typeof x === 'string');
    for (let i = 0; i < v.length; i++) {
      if (v[i] === null) v[i] = strings ? '' : {};
      else normalizeNulls(v[i]);
    }
    return;
  }
  if (!v || typeof v !== 'object') return;
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (skip.includes(k)) continue;
    if (o[k] === null) delete o[k];
    else normalizeNulls(o[k]);
  }
}
