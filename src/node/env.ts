// A container's environment as the kubelet builds it (upstream kubelet_pods.go
// makeEnvironmentVariables, pkg/kubelet/envvars, third_party/forked/golang/expansion): service
// link variables, envFrom, env with valueFrom sources, `$(VAR)` expansion, HOSTNAME. Pure: the
// lookups of ConfigMaps/Secrets/Services come in as data. shared/spec/dns-and-services.md §3.8.
import type { Pod, Container, Service, ConfigMap, Secret, EnvVar } from 'kubernetes-types/core/v1.js';
import { parseQuantity } from '../machinery/quantity.js';

export interface EnvSources {
  configMap(namespace: string, name: string): ConfigMap | undefined;
  secret(namespace: string, name: string): Secret | undefined;
  /** Services of the pod's namespace, and the `kubernetes` Service of `default`. */
  services: Service[];
  podIPs: string[];
  hostIPs: string[];
  nodeName: string;
  /** Node allocatable (for resourceFieldRef of containers without limits). */
  nodeAllocatable?: Record<string, string>;
  /** Hostname of the pod (its sandbox). */
  hostname: string;
}

/** CreateContainerConfigError: the message is what the waiting state shows. */
export class ContainerConfigError extends Error {}

export interface EnvResult {
  env: { name: string; value: string }[];
  /** Warnings the kubelet turns into events (InvalidEnvironmentVariableNames). */
  warnings: string[];
}

const envName = (s: string) => s.toUpperCase().replace(/-/g, '_');

/** The docker-link style variables of one Service (upstream envvars.FromServices). */
export function serviceEnv(svc: Service): [string, string][] {
  const ip = svc.spec?.clusterIP;
  if (!ip || ip === 'None') return [];
  const ports = svc.spec?.ports ?? [];
  if (ports.length === 0) return [];
  const p = envName(svc.metadata?.name ?? '');
  const host = ip.includes(':') ? `[${ip}]` : ip;
  const out: [string, string][] = [[`${p}_SERVICE_HOST`, ip], [`${p}_SERVICE_PORT`, String(ports[0]!.port)]];
  for (const port of ports) if (port.name) out.push([`${p}_SERVICE_PORT_${envName(port.name)}`, String(port.port)]);
  const first = ports[0]!;
  out.push([`${p}_PORT`, `${(first.protocol ?? 'TCP').toLowerCase()}://${host}:${first.port}`]);
  for (const port of ports) {
    const proto = (port.protocol ?? 'TCP').toLowerCase();
    const pre = `${p}_PORT_${port.port}_${proto.toUpperCase()}`;
    out.push([pre, `${proto}://${host}:${port.port}`], [`${pre}_PROTO`, proto], [`${pre}_PORT`, String(port.port)], [`${pre}_ADDR`, ip]);
  }
  return out;
}

/** Service variables for a pod (upstream getServiceEnvVarMap). */
export function serviceEnvMap(pod: Pod, services: Service[]): Map<string, string> {
  const ns = pod.metadata?.namespace ?? 'default';
  const links = pod.spec?.enableServiceLinks ?? true;
  const chosen = new Map<string, Service>();
  for (const s of services) {
    const name = s.metadata?.name ?? '';
    const sns = s.metadata?.namespace ?? 'default';
    if (sns === 'default' && name === 'kubernetes' && ns !== 'default') {
      if (!chosen.has(name)) chosen.set(name, s); // the master service, unless the namespace has its own
      continue;
    }
    if (sns !== ns) continue;
    if (!links && !(ns === 'default' && name === 'kubernetes')) continue;
    chosen.set(name, s);
  }
  const out = new Map<string, string>();
  for (const s of [...chosen.values()].sort((a, b) => ((a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1))) {
    for (const [k, v] of serviceEnv(s)) out.set(k, v);
  }
  return out;
}

/** `$(VAR)` expansion: defined names are replaced, `$$` escapes, undefined references stay. */
export function expand(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const ch = input[i]!;
    if (ch !== '$' || i + 1 >= input.length) { out += ch; continue; }
    const next = input[i + 1]!;
    if (next === '$') { out += '$'; i++; continue; }
    if (next === '(') {
      const end = input.indexOf(')', i + 2);
      if (end < 0) { out += input.slice(i); break; }
      const name = input.slice(i + 2, end);
      const v = lookup(name);
      out += v !== undefined ? v : `$(${name})`;
      i = end;
      continue;
    }
    out += ch + next;
    i++;
  }
  return out;
}

const validEnvName = (n: string) => /^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(n);

function fieldValue(pod: Pod, path: string, src: EnvSources): string {
  const m = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(path);
  if (m) return (pod.metadata?.[m[1] as 'labels' | 'annotations'] ?? {})[m[2]!] ?? '';
  switch (path) {
    case 'metadata.name': return pod.metadata?.name ?? '';
    case 'metadata.namespace': return pod.metadata?.namespace ?? '';
    case 'metadata.uid': return pod.metadata?.uid ?? '';
    case 'spec.nodeName': return pod.spec?.nodeName ?? src.nodeName;
    case 'spec.serviceAccountName': return pod.spec?.serviceAccountName ?? '';
    case 'status.podIP': return src.podIPs[0] ?? '';
    case 'status.podIPs': return src.podIPs.join(',');
    case 'status.hostIP': return src.hostIPs[0] ?? '';
    case 'status.hostIPs': return src.hostIPs.join(',');
  }
  throw new ContainerConfigError(`unsupported fieldPath: ${path}`);
}

/** resourceFieldRef (upstream resource.ExtractContainerResourceValue): ceil(value / divisor). */
export function resourceValue(container: Container, resource: string, divisor: string | undefined, allocatable: Record<string, string> = {}): string {
  const [kind, name] = resource.split('.') as ['limits' | 'requests', string];
  const res = container.resources?.[kind] as Record<string, string | number> | undefined;
  let raw = res?.[name];
  // No limit: the node's allocatable stands in (upstream MergeContainerResourceLimits).
  if (raw === undefined && kind === 'limits') raw = allocatable[name];
  if (raw === undefined) raw = '0';
  const q = parseQuantity(String(raw)).nanos;
  const d = parseQuantity(divisor && divisor !== '0' ? divisor : '1').nanos;
  if (name === 'cpu' || name === 'memory' || name.startsWith('hugepages-') || name === 'ephemeral-storage') {
    return ((q + d - 1n) / d).toString();
  }
  throw new ContainerConfigError(`unsupported container resource : ${resource}`);
}

/** The environment for one container (throws ContainerConfigError for what upstream refuses). */
export function containerEnv(pod: Pod, container: Container, src: EnvSources): EnvResult {
  const ns = pod.metadata?.namespace ?? 'default';
  const warnings: string[] = [];
  const svcEnv = serviceEnvMap(pod, src.services);
  const declared = new Map<string, string>();

  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    let data: Record<string, string> = {};
    if (from.configMapRef) {
      const name = from.configMapRef.name ?? '';
      const cm = src.configMap(ns, name);
      if (!cm) {
        if (from.configMapRef.optional) continue;
        throw new ContainerConfigError(`configmap "${name}" not found`);
      }
      data = { ...(cm.data ?? {}) };
      for (const [k, v] of Object.entries(cm.binaryData ?? {})) data[k] ??= Buffer.from(v, 'base64').toString();
    } else if (from.secretRef) {
      const name = from.secretRef.name ?? '';
      const s = src.secret(ns, name);
      if (!s) {
        if (from.secretRef.optional) continue;
        throw new ContainerConfigError(`secret "${name}" not found`);
      }
      for (const [k, v] of Object.entries(s.data ?? {})) data[k] = Buffer.from(v, 'base64').toString();
      for (const [k, v] of Object.entries(s.stringData ?? {})) data[k] = v;
    }
    const invalid: string[] = [];
    for (const [k, v] of Object.entries(data)) {
      const key = prefix + k;
      if (!validEnvName(key)) { invalid.push(k); continue; }
      declared.set(key, v);
    }
    if (invalid.length) {
      const kind = from.configMapRef ? 'configMap' : 'secret';
      const name = from.configMapRef?.name ?? from.secretRef?.name;
      warnings.push(`Keys [${invalid.sort().join(', ')}] from the EnvFrom ${kind} ${ns}/${name} were skipped since they are considered invalid environment variable names.`);
    }
  }

  const lookup = (n: string) => declared.get(n) ?? svcEnv.get(n);
  for (const e of container.env ?? []) declared.set(e.name, envValue(pod, container, e, src, lookup));

  const env: { name: string; value: string }[] = [];
  for (const [name, value] of declared) env.push({ name, value });
  for (const [name, value] of svcEnv) if (!declared.has(name)) env.push({ name, value });
  if (!declared.has('HOSTNAME')) env.unshift({ name: 'HOSTNAME', value: src.hostname });
  return { env, warnings };
}

function envValue(pod: Pod, container: Container, e: EnvVar, src: EnvSources, lookup: (n: string) => string | undefined): string {
  const ns = pod.metadata?.namespace ?? 'default';
  if (e.value !== undefined && e.value !== '') return expand(e.value, lookup);
  const vf = e.valueFrom;
  if (!vf) return '';
  if (vf.fieldRef) return fieldValue(pod, vf.fieldRef.fieldPath, src);
  if (vf.resourceFieldRef) {
    const target = vf.resourceFieldRef.containerName
      ? [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((c) => c.name === vf.resourceFieldRef!.containerName) ?? container
      : container;
    return resourceValue(target, vf.resourceFieldRef.resource, vf.resourceFieldRef.divisor as string | undefined, src.nodeAllocatable);
  }
  if (vf.configMapKeyRef) {
    const { name = '', key, optional } = vf.configMapKeyRef;
    const cm = src.configMap(ns, name);
    if (!cm) {
      if (optional) return '';
      throw new ContainerConfigError(`configmap "${name}" not found`);
    }
    const v = cm.data?.[key] ?? (cm.binaryData?.[key] !== undefined ? Buffer.from(cm.binaryData[key]!, 'base64').toString() : undefined);
    if (v === undefined) {
      if (optional) return '';
      throw new ContainerConfigError(`couldn't find key ${key} in ConfigMap ${ns}/${name}`);
    }
    return v;
  }
  if (vf.secretKeyRef) {
    const { name = '', key, optional } = vf.secretKeyRef;
    const s = src.secret(ns, name);
    if (!s) {
      if (optional) return '';
      throw new ContainerConfigError(`secret "${name}" not found`);
    }
    const raw = s.data?.[key];
    const v = raw !== undefined ? Buffer.from(raw, 'base64').toString() : s.stringData?.[key];
    if (v === undefined) {
      if (optional) return '';
      throw new ContainerConfigError(`couldn't find key ${key} in Secret ${ns}/${name}`);
    }
    return v;
  }
  return '';
}

/** Command and args with `$(VAR)` expanded against the final environment (upstream ExpandContainerCommandAndArgs). */
export function expandCommand(container: Container, env: { name: string; value: string }[]): { command: string[]; args: string[] } {
  const m = new Map(env.map((e) => [e.name, e.value]));
  const f = (s: string) => expand(s, (n) => m.get(n));
  return { command: (container.command ?? []).map(f), args: (container.args ?? []).map(f) };
}
