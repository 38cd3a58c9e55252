// Small upstream validators used by several core kinds (pkg/apis/core/validation) that are not
// generic enough for src/machinery/validation.ts.
import { isIP } from 'node:net';
import { field, type FieldError } from '../../machinery/errors.js';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, maxLenError, regexError } from '../../machinery/validation.js';

/** upstream IsConfigMapKey (ConfigMap/Secret data keys). */
export function isConfigMapKey(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 253) errs.push(maxLenError(253));
  if (!/^[-._a-zA-Z0-9]+$/.test(value)) {
    errs.push(regexError("a valid config key must consist of alphanumeric characters, '-', '_' or '.'", '[-._a-zA-Z0-9]+', 'key.name', 'KEY_NAME', 'key-name'));
  }
  if (value === '.') errs.push("must not be '.'");
  else if (value === '..') errs.push("must not be '..'");
  else if (value.startsWith('..')) errs.push("must not start with '..'");
  return errs;
}

export function validateDataKeys(data: Record<string, unknown> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const key of Object.keys(data ?? {})) for (const m of isConfigMapKey(key)) errs.push(field.invalid(`${path}[${key}]`, key, m));
  return errs;
}

/** upstream ValidateDNS1123Label as field errors. */
export function dns1123Label(value: string, path: string): FieldError[] {
  return isDNS1123Label(value).map((m) => field.invalid(path, value, m));
}

/** upstream ValidateNodeName (a DNS subdomain). */
export function nodeName(value: string, path: string): FieldError[] {
  return isDNS1123Subdomain(value).map((m) => field.invalid(path, value, m));
}

export function qualifiedName(value: string, path: string): FieldError[] {
  return isQualifiedName(value).map((m) => field.invalid(path, value, m));
}

/** upstream ValidateNonSpecialIP: endpoints may not point at unspecified, loopback or link-local addresses. */
export function validateNonSpecialIP(ip: string, path: string): FieldError[] {
  const v = isIP(ip);
  if (!v) return [field.invalid(path, ip, 'must be a valid IP address')];
  const lower = ip.toLowerCase();
  if (v === 4) {
    const o = ip.split('.').map(Number);
    if (o.every((x) => x === 0)) return [field.invalid(path, ip, `may not be unspecified (${ip})`)];
    if (o[0] === 127) return [field.invalid(path, ip, 'may not be in the loopback range (127.0.0.0/8, ::1/128)')];
    if (o[0] === 169 && o[1] === 254) return [field.invalid(path, ip, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)')];
    if (o[0] === 224 && o[1] === 0 && o[2] === 0) return [field.invalid(path, ip, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)')];
    return [];
  }
  if (/^[0:]+$/.test(lower)) return [field.invalid(path, ip, `may not be unspecified (${ip})`)];
  if (/^[0:]+1$/.test(lower) && lower.replace(/[0:]/g, '') === '1') return [field.invalid(path, ip, 'may not be in the loopback range (127.0.0.0/8, ::1/128)')];
  if (/^fe[89ab]/.test(lower)) return [field.invalid(path, ip, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)')];
  if (/^ff02:/.test(lower)) return [field.invalid(path, ip, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)')];
  return [];
}

export const protocols = ['SCTP', 'TCP', 'UDP'];

/** `a + N more...` lists of the printers (max 3 shown). */
export function listWithMore(list: string[], count: number, max = 3, empty = '<unset>'): string {
  const shown = list.slice(0, max).join(',');
  if (count > max) return `${shown} + ${count - max} more...`;
  return shown || empty;
}

const B64 = /[A-Za-z0-9+/]/;

/**
 * Go's base64.StdEncoding.DecodeString failure position (CorruptInputError), or -1 when `s`
 * decodes. Newlines are skipped, as Go does.
 */
export function base64ErrorOffset(s: string): number {
  let j = 0; // characters read in the current 4-character quantum
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\n' || c === '\r') continue;
    if (c === '=') {
      if (j < 2) return i;
      let k = i + 1;
      if (j === 2) {
        // a second '=' must follow (newlines allowed in between)
        while (k < s.length && (s[k] === '\n' || s[k] === '\r')) k++;
        if (k >= s.length || s[k] !== '=') return k >= s.length ? s.length : k;
        k++;
      }
      while (k < s.length && (s[k] === '\n' || s[k] === '\r')) k++;
      return k < s.length ? k : -1;
    }
    if (!B64.test(c)) return i;
    j = (j + 1) % 4;
  }
  if (j === 0) return -1;
  // an incomplete final quantum: Go reports where it started
  let n = 0;
  let i = s.length;
  while (n < j && i > 0) {
    i--;
    if (s[i] !== '\n' && s[i] !== '\r') n++;
  }
  return i;
}
