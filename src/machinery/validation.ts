// Name, label and metadata validators with upstream's (k8s.io/apimachinery util/validation and
// api/validation) rules and message texts, because kubectl prints those messages verbatim.
// The `is*` functions return a list of messages (empty = valid), like upstream; callers wrap
// them into FieldErrors with field.invalid(path, value, msg).
import { isIP } from 'node:net';
import { field, type FieldError } from './errors.js';
import type { ObjectMeta, OwnerReference } from './object.js';

// ---- message helpers (upstream util/validation) -------------------------------------------------

export const maxLenError = (n: number) => `must be no more than ${n} characters`;
export const emptyError = () => 'must be non-empty';
export const inclusiveRangeError = (lo: number, hi: number) => `must be between ${lo} and ${hi}, inclusive`;

/** Upstream RegexError: note the quirky `', ` separators, e.g. "(e.g. 'my-name',  or '123-abc', regex …)". */
export function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  let s = msg + ' (e.g. ';
  examples.forEach((ex, i) => {
    if (i > 0) s += ' or ';
    s += `'${ex}', `;
  });
  return s + `regex used for validation is '${fmt}')`;
}

const whole = (fmt: string) => new RegExp(`^(?:${fmt})$`);

// ---- DNS names --------------------------------------------------------------------------------

const dns1123LabelFmt = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const dns1123LabelErrMsg =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
export const DNS1123LabelMaxLength = 63;
const dns1123LabelRe = whole(dns1123LabelFmt);

export function isDNS1123Label(value: string): string[] {
  const errs: string[] = [];
  if (value.length > DNS1123LabelMaxLength) errs.push(maxLenError(DNS1123LabelMaxLength));
  if (!dns1123LabelRe.test(value)) errs.push(regexError(dns1123LabelErrMsg, dns1123LabelFmt, 'my-name', '123-abc'));
  return errs;
}

const dns1123SubdomainFmt = `${dns1123LabelFmt}(\\.${dns1123LabelFmt})*`;
const dns1123SubdomainErrMsg =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
export const DNS1123SubdomainMaxLength = 253;
const dns1123SubdomainRe = whole(dns1123SubdomainFmt);

export function isDNS1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (value.length > DNS1123SubdomainMaxLength) errs.push(maxLenError(DNS1123SubdomainMaxLength));
  if (!dns1123SubdomainRe.test(value)) errs.push(regexError(dns1123SubdomainErrMsg, dns1123SubdomainFmt, 'example.com'));
  return errs;
}

const dns1035LabelFmt = '[a-z]([-a-z0-9]*[a-z0-9])?';
const dns1035LabelErrMsg =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";
export const DNS1035LabelMaxLength = 63;
const dns1035LabelRe = whole(dns1035LabelFmt);

export function isDNS1035Label(value: string): string[] {
  const errs: string[] = [];
  if (value.length > DNS1035LabelMaxLength) errs.push(maxLenError(DNS1035LabelMaxLength));
  if (!dns1035LabelRe.test(value)) errs.push(regexError(dns1035LabelErrMsg, dns1035LabelFmt, 'my-name', 'abc-123'));
  return errs;
}

// ---- qualified names (label / annotation keys) and label values --------------------------------

const qualifiedNameFmt = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const qualifiedNameErrMsg = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
export const QualifiedNameMaxLength = 63;
const qualifiedNameRe = whole(qualifiedNameFmt);

/** Label keys, annotation keys (lower-cased first), finalizer names: `[prefix/]name`. */
export function isQualifiedName(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0]!;
  } else if (parts.length === 2) {
    const prefix = parts[0]!;
    name = parts[1]!;
    if (prefix.length === 0) errs.push('prefix part ' + emptyError());
    else for (const m of isDNS1123Subdomain(prefix)) errs.push('prefix part ' + m);
  } else {
    return [
      'a qualified name ' +
        regexError(qualifiedNameErrMsg, qualifiedNameFmt, 'MyName', 'my.name', '123-abc') +
        " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name.length === 0) errs.push('name part ' + emptyError());
  else if (name.length > QualifiedNameMaxLength) errs.push('name part ' + maxLenError(QualifiedNameMaxLength));
  if (!qualifiedNameRe.test(name)) errs.push('name part ' + regexError(qualifiedNameErrMsg, qualifiedNameFmt, 'MyName', 'my.name', '123-abc'));
  return errs;
}

const labelValueFmt = `(${qualifiedNameFmt})?`;
const labelValueErrMsg =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
export const LabelValueMaxLength = 63;
const labelValueRe = whole(labelValueFmt);

export function isValidLabelValue(value: string): string[] {
  const errs: string[] = [];
  if (value.length > LabelValueMaxLength) errs.push(maxLenError(LabelValueMaxLength));
  if (!labelValueRe.test(value)) errs.push(regexError(labelValueErrMsg, labelValueFmt, 'MyValue', 'my_value', '12345'));
  return errs;
}

// ---- identifiers, ports, IPs --------------------------------------------------------------------

const cIdentifierFmt = '[A-Za-z_][A-Za-z0-9_]*';
const cIdentifierErrMsg = "a valid C identifier must start with alphabetic character or '_', followed by a string of alphanumeric characters or '_'";
const cIdentifierRe = whole(cIdentifierFmt);

export function isCIdentifier(value: string): string[] {
  return cIdentifierRe.test(value) ? [] : [regexError(cIdentifierErrMsg, cIdentifierFmt, 'my_name', 'MY_NAME', 'MyName')];
}

const envVarNameFmt = '[-._a-zA-Z][-._a-zA-Z0-9]*';
const envVarNameErrMsg = "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit";
const envVarNameRe = whole(envVarNameFmt);

function hasChDirPrefix(value: string): string[] {
  if (value === '.') return ["must not be '.'"];
  if (value === '..') return ["must not be '..'"];
  if (value.startsWith('..')) return ["must not start with '..'"];
  return [];
}

/** Strict env var / ConfigMap key rule (upstream IsEnvVarName). */
export function isEnvVarName(value: string): string[] {
  const errs: string[] = [];
  if (!envVarNameRe.test(value)) errs.push(regexError(envVarNameErrMsg, envVarNameFmt, 'my.env-name', 'MY_ENV.NAME', 'MyEnvName1'));
  return errs.concat(hasChDirPrefix(value));
}

/** Relaxed env var names (RelaxedEnvironmentVariableValidation, on by default since 1.32). */
export function isRelaxedEnvVarName(value: string): string[] {
  const errs: string[] = [];
  if (!/^[\x20-\x3c\x3e-\x7e]+$/.test(value)) errs.push("a valid environment variable name must consist only of printable ASCII characters other than '='");
  return errs.concat(hasChDirPrefix(value));
}

export function isValidPortNum(port: number): string[] {
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? [] : [inclusiveRangeError(1, 65535)];
}

export function isValidPortName(port: string): string[] {
  const errs: string[] = [];
  if (port.length > 15) errs.push(maxLenError(15));
  if (!/^[-a-z0-9]+$/.test(port)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(port)) errs.push('must contain at least one letter (a-z)');
  if (port.includes('--')) errs.push('must not contain consecutive hyphens');
  if (port.length > 0 && (port.startsWith('-') || port.endsWith('-'))) errs.push('must not begin or end with a hyphen');
  return errs;
}

export function isValidIP(value: string): string[] {
  return isIP(value) ? [] : ['must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'];
}
export function isValidIPv4Address(value: string): string[] {
  return isIP(value) === 4 ? [] : ['must be a valid IPv4 address'];
}
export function isValidIPv6Address(value: string): string[] {
  return isIP(value) === 6 ? [] : ['must be a valid IPv6 address'];
}

// ---- name validators for ObjectMeta -------------------------------------------------------------

/** (name, prefix) → messages. `prefix` is true when validating generateName. */
export type NameValidator = (name: string, prefix: boolean) => string[];

// Upstream masks a trailing dash of a generateName prefix (the random suffix follows it).
// It drops two characters and appends 'a' — reproduced as is.
function maskTrailingDash(name: string): string {
  return name.length > 1 && name.endsWith('-') ? name.slice(0, name.length - 2) + 'a' : name;
}

export const nameIsDNSSubdomain: NameValidator = (name, prefix) => isDNS1123Subdomain(prefix ? maskTrailingDash(name) : name);
export const nameIsDNSLabel: NameValidator = (name, prefix) => isDNS1123Label(prefix ? maskTrailingDash(name) : name);
export const nameIsDNS1035Label: NameValidator = (name, prefix) => isDNS1035Label(prefix ? maskTrailingDash(name) : name);

/** Upstream path-segment rule for names that are not otherwise restricted. */
export const nameIsPathSegment: NameValidator = (name, prefix) => {
  if (prefix) return [];
  if (name === '.' || name === '..') return [`may not be '${name}'`];
  const errs: string[] = [];
  for (const bad of ['/', '%']) if (name.includes(bad)) errs.push(`may not contain '${bad}'`);
  return errs;
};

export const validateNamespaceName = nameIsDNSLabel;

// ---- field-level validators ---------------------------------------------------------------------

const child = (path: string, name: string) => (path ? `${path}.${name}` : name);

export function validateLabels(labels: Record<string, string> | undefined | null, path: string): FieldError[] {
  const out: FieldError[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    for (const m of isQualifiedName(k)) out.push(field.invalid(path, k, m));
    if (typeof v !== 'string') continue;
    for (const m of isValidLabelValue(v)) out.push(field.invalid(path, v, m));
  }
  return out;
}

export const TotalAnnotationSizeLimitB = 256 * 1024;

export function validateAnnotations(annotations: Record<string, string> | undefined | null, path: string): FieldError[] {
  const out: FieldError[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(annotations ?? {})) {
    // The rule is QualifiedName except that case doesn't matter.
    for (const m of isQualifiedName(k.toLowerCase())) out.push(field.invalid(path, k, m));
    size += Buffer.byteLength(k) + Buffer.byteLength(typeof v === 'string' ? v : '');
  }
  if (size > TotalAnnotationSizeLimitB) out.push(field.tooLong(path, '', TotalAnnotationSizeLimitB));
  return out;
}

export function validateOwnerReferences(refs: OwnerReference[] | undefined | null, path: string): FieldError[] {
  const out: FieldError[] = [];
  let firstController = '';
  for (const ref of refs ?? []) {
    const apiVersion = ref.apiVersion ?? '';
    // schema.ParseGroupVersion: "v1", "apps/v1"; more than one '/' is unparseable (no version).
    const slashes = apiVersion.split('/').length - 1;
    const version = slashes === 0 ? apiVersion : slashes === 1 ? apiVersion.slice(apiVersion.indexOf('/') + 1) : '';
    if (!version) out.push(field.invalid(child(path, 'apiVersion'), apiVersion, 'version must not be empty'));
    if (!ref.kind) out.push(field.invalid(child(path, 'kind'), ref.kind ?? '', 'kind must not be empty'));
    if (!ref.name) out.push(field.invalid(child(path, 'name'), ref.name ?? '', 'name must not be empty'));
    if (!ref.uid) out.push(field.invalid(child(path, 'uid'), ref.uid ?? '', 'uid must not be empty'));
    if (ref.controller === true) {
      const cur = `${ref.kind}/${ref.name}`;
      if (firstController) {
        out.push(
          field.invalid(path, refs, `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${cur}`),
        );
      } else firstController = cur;
    }
  }
  return out;
}

export const FinalizerOrphanDependents = 'orphan';
export const FinalizerDeleteDependents = 'foregroundDeletion';

export function validateFinalizers(finalizers: string[] | undefined | null, path: string): FieldError[] {
  const out: FieldError[] = [];
  for (const f of finalizers ?? []) for (const m of isQualifiedName(f)) out.push(field.invalid(path, f, m));
  const set = new Set(finalizers ?? []);
  if (set.has(FinalizerOrphanDependents) && set.has(FinalizerDeleteDependents)) {
    out.push(field.invalid(path, finalizers, `finalizer ${FinalizerOrphanDependents} and ${FinalizerDeleteDependents} cannot be both set`));
  }
  return out;
}

export function validateNonnegative(value: number | undefined, path: string): FieldError[] {
  return value !== undefined && value < 0 ? [field.invalid(path, value, 'must be greater than or equal to 0')] : [];
}

export const FieldImmutableErrorMsg = 'field is immutable';

/** upstream ValidateImmutableField: Invalid(path, new, "field is immutable") when not deep-equal. */
export function validateImmutableField(newVal: unknown, oldVal: unknown, path: string): FieldError[] {
  return deepEqual(newVal, oldVal) ? [] : [field.invalid(path, newVal, FieldImmutableErrorMsg)];
}

/** Semantic deep equality of JSON values (undefined and missing keys are the same). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  // a key set to undefined equals a missing key (as after a JSON round trip)
  for (const k in ao) if (!deepEqual(ao[k], bo[k])) return false;
  for (const k in bo) if (!(k in ao) && bo[k] !== undefined) return false;
  return true;
}

// ---- ObjectMeta ---------------------------------------------------------------------------------

export interface ObjectMetaOptions {
  namespaced: boolean;
  /** Defaults to nameIsDNSSubdomain (most kinds). */
  nameValidator?: NameValidator;
}

/**
 * upstream ValidateObjectMeta. The API server must have generated `name` from `generateName`
 * before calling this (as upstream does), so an empty name is always an error here.
 */
export function validateObjectMeta(meta: ObjectMeta | undefined, opts: ObjectMetaOptions, path = 'metadata'): FieldError[] {
  const m = meta ?? {};
  const nameFn = opts.nameValidator ?? nameIsDNSSubdomain;
  const out: FieldError[] = [];
  if (m.generateName) for (const msg of nameFn(m.generateName, true)) out.push(field.invalid(child(path, 'generateName'), m.generateName, msg));
  if (!m.name) out.push(field.required(child(path, 'name'), 'name or generateName is required'));
  else for (const msg of nameFn(m.name, false)) out.push(field.invalid(child(path, 'name'), m.name, msg));
  if (opts.namespaced) {
    if (!m.namespace) out.push(field.required(child(path, 'namespace'), ''));
    else for (const msg of validateNamespaceName(m.namespace, false)) out.push(field.invalid(child(path, 'namespace'), m.namespace, msg));
  } else if (m.namespace) {
    out.push(field.forbidden(child(path, 'namespace'), 'not allowed on this type'));
  }
  out.push(...validateNonnegative(m.generation, child(path, 'generation')));
  out.push(...validateLabels(m.labels, child(path, 'labels')));
  out.push(...validateAnnotations(m.annotations, child(path, 'annotations')));
  out.push(...validateOwnerReferences(m.ownerReferences, child(path, 'ownerReferences')));
  out.push(...validateFinalizers(m.finalizers, child(path, 'finalizers')));
  return out;
}

export interface ObjectMetaUpdateOptions {
  /**
   * Upstream rejects an update whose resourceVersion is empty ("must be specified for an update").
   * An unconditional PUT is served by copying the stored resourceVersion in first. Default true.
   */
  requireResourceVersion?: boolean;
}

/** upstream ValidateObjectMetaUpdate: immutable identity fields, no new finalizers while deleting. */
export function validateObjectMetaUpdate(
  newMeta: ObjectMeta | undefined,
  oldMeta: ObjectMeta | undefined,
  path = 'metadata',
  opts: ObjectMetaUpdateOptions = {},
): FieldError[] {
  const n = newMeta ?? {};
  const o = oldMeta ?? {};
  const out: FieldError[] = [];
  if (o.deletionTimestamp) {
    const old = new Set(o.finalizers ?? []);
    const extra = [...new Set((n.finalizers ?? []).filter((f) => !old.has(f)))].sort();
    if (extra.length) {
      out.push(
        field.forbidden(
          child(path, 'finalizers'),
          `no new finalizers can be added if the object is being deleted, found new finalizers []string{${extra.map((e) => JSON.stringify(e)).join(', ')}}`,
        ),
      );
    }
  }
  if ((opts.requireResourceVersion ?? true) && !n.resourceVersion) {
    out.push(field.invalid(child(path, 'resourceVersion'), n.resourceVersion ?? '', 'must be specified for an update'));
  }
  if ((n.generation ?? 0) < (o.generation ?? 0)) out.push(field.invalid(child(path, 'generation'), n.generation ?? 0, 'must not be decremented'));
  out.push(...validateImmutableField(n.name ?? '', o.name ?? '', child(path, 'name')));
  out.push(...validateImmutableField(n.namespace ?? '', o.namespace ?? '', child(path, 'namespace')));
  out.push(...validateImmutableField(n.uid ?? '', o.uid ?? '', child(path, 'uid')));
  out.push(...validateImmutableField(n.creationTimestamp, o.creationTimestamp, child(path, 'creationTimestamp')));
  out.push(...validateImmutableField(n.deletionTimestamp, o.deletionTimestamp, child(path, 'deletionTimestamp')));
  out.push(...validateImmutableField(n.deletionGracePeriodSeconds, o.deletionGracePeriodSeconds, child(path, 'deletionGracePeriodSeconds')));
  out.push(...validateLabels(n.labels, child(path, 'labels')));
  out.push(...validateAnnotations(n.annotations, child(path, 'annotations')));
  out.push(...validateOwnerReferences(n.ownerReferences, child(path, 'ownerReferences')));
  return out;
}
