// Content negotiation: what the client accepts (JSON, a Table, aggregated discovery) and how its
// request body is encoded (JSON, YAML, protobuf). Responses are always JSON (kubectl accepts JSON
// whenever it offers protobuf); an Accept that allows neither JSON nor */* is 406.
import { errors } from '../machinery/errors.js';

export interface MediaRange {
  type: string; // 'application/json'
  params: Record<string, string>;
}

/**
 * Parsed Accept headers by their text: a client sends the same few on every request, and parsing
 * one costs more than routing. Bounded (cleared when full). The ranges are shared: read-only.
 */
const acceptCache = new Map<string, readonly MediaRange[]>();
const ANY: readonly MediaRange[] = Object.freeze([Object.freeze({ type: '*/*', params: Object.freeze({}) as Record<string, string> })]);

export function parseAccept(header: string | undefined): readonly MediaRange[] {
  if (!header) return ANY;
  let r = acceptCache.get(header);
  if (!r) {
    if (acceptCache.size >= 256) acceptCache.clear();
    r = Object.freeze(parseAcceptUncached(header).map((m) => Object.freeze({ type: m.type, params: Object.freeze(m.params) })));
    acceptCache.set(header, r);
  }
  return r;
}

function parseAcceptUncached(header: string): MediaRange[] {
  return header.split(',').map((part) => {
    const [t, ...ps] = part.split(';').map((s) => s.trim());
    const params: Record<string, string> = {};
    for (const p of ps) {
      const i = p.indexOf('=');
      if (i > 0) params[p.slice(0, i).trim()] = p.slice(i + 1).trim().replace(/^"|"$/g, '');
    }
    return { type: (t ?? '').toLowerCase(), params };
  }).filter((m) => m.type !== '');
}

function jsonish(t: string): boolean {
  return t === 'application/json' || t === '*/*' || t === 'application/*';
}

/** Which Table version (if any) the client asked for, in its order of preference. */
export function wantsTable(accept: readonly MediaRange[]): 'v1' | 'v1beta1' | undefined {
  for (const m of accept) {
    if (m.type === 'application/json' && m.params.as === 'Table' && m.params.g === 'meta.k8s.io') {
      if (m.params.v === 'v1' || m.params.v === 'v1beta1') return m.params.v;
    }
    if (m.type === 'application/json' && !m.params.as) return undefined;
  }
  return undefined;
}

/** Which aggregated discovery version the client asked for (exact `v=` match), if any. */
export function wantsAggregatedDiscovery(accept: readonly MediaRange[]): 'v2' | 'v2beta1' | undefined {
  for (const m of accept) {
    if (m.type === 'application/json' && m.params.as === 'APIGroupDiscoveryList' && m.params.g === 'apidiscovery.k8s.io') {
      if (m.params.v === 'v2' || m.params.v === 'v2beta1') return m.params.v;
    }
    if (jsonish(m.type) && !m.params.as) return undefined;
  }
  return undefined;
}

export function aggregatedContentType(v: 'v2' | 'v2beta1'): string {
  return `application/json;g=apidiscovery.k8s.io;v=${v};as=APIGroupDiscoveryList`;
}

/** True when a plain JSON answer is acceptable. */
export function acceptsJson(accept: readonly MediaRange[]): boolean {
  return accept.some((m) => jsonish(m.type) || m.type === 'application/vnd.kubernetes.protobuf' || m.type === 'application/yaml'
    || m.type === 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' || m.type === 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf'
    || m.type === 'text/plain' || m.type === 'application/vnd.kubernetes.protobuf;stream=watch');
}

export function checkAcceptable(accept: readonly MediaRange[]): void {
  if (!acceptsJson(accept)) {
    throw errors.notAcceptable('only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf');
  }
}

export type BodyFormat = 'json' | 'yaml' | 'protobuf';

/** Media type of a request body; a missing Content-Type is treated as JSON (PUT /scale sends none). */
export function bodyMediaType(contentType: string | undefined): string {
  if (!contentType) return 'application/json';
  return contentType.split(';')[0]!.trim().toLowerCase();
}

export const PATCH_TYPES: Record<string, 'json' | 'merge' | 'strategic' | 'apply'> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
  'application/apply-patch+cbor': 'apply',
};

/** Parses a JSON document; errors are 400 with a decoder-style message. */
export function parseJsonBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw errors.badRequest(`error decoding request body: ${(e as Error).message}`);
  }
}

/** Parses a YAML (or JSON) document into plain JSON values. */
export async function parseYamlBody(text: string, kind?: string): Promise<unknown> {
  // YAML 1.1 semantics, as upstream's sigs.k8s.io/yaml (machinery/decode). Loaded (with the yaml
  // package) on the first YAML body, not at server start: JSON clients never need it.
  const { decodeYaml } = await import('../machinery/decode.js');
  return decodeYaml(text, { kind, allowNonObject: true });
}

/**
 * Duplicate keys in a JSON text, as field paths (for fieldValidation Strict/Warn; JSON.parse keeps
 * the last one silently). A small scanner: only object keys are tracked, arrays are indexed.
 */
export function duplicateJsonFields(text: string): string[] {
  const dups: string[] = [];
  let i = 0;
  const n = text.length;
  const ws = () => { while (i < n && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++; };
  // Hot path (every JSON write): jump between quotes with indexOf, and decode escapes only when
  // a key has any (values are skipped, never decoded).
  const str = (decode: boolean): string => {
    const start = i; // the opening quote
    let j = i + 1;
    for (;;) {
      const q = text.indexOf('"', j);
      if (q < 0) { i = n; return ''; } // unterminated: best effort
      let b = q - 1;
      while (b > start && text.charCodeAt(b) === 92) b--; // backslashes right before the quote
      j = q + 1;
      if (((q - 1 - b) & 1) === 0) break; // an even number: this quote ends the string
    }
    i = j;
    if (!decode) return '';
    const raw = text.slice(start + 1, i - 1);
    if (!raw.includes('\\')) return raw;
    try { return JSON.parse(text.slice(start, i)) as string; } catch { return ''; }
  };
  const value = (path: string, depth: number): void => {
    if (depth > 200) throw new Error('too deep');
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const seen = new Set<string>();
      ws();
      if (text[i] === '}') { i++; return; }
      while (i < n) {
        ws();
        const k = str(true);
        const p = path ? `${path}.${k}` : k;
        if (seen.has(k)) dups.push(p);
        seen.add(k);
        ws(); i++; // colon
        value(p, depth + 1);
        ws();
        if (text[i] === ',') { i++; continue; }
        i++; // closing brace
        return;
      }
    } else if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') { i++; return; }
      let idx = 0;
      while (i < n) {
        value(`${path}[${idx++}]`, depth + 1);
        ws();
        if (text[i] === ',') { i++; continue; }
        i++;
        return;
      }
    } else if (c === '"') {
      str(false);
    } else {
      while (i < n && !',}] \n\r\t'.includes(text[i]!)) i++;
    }
  };
  try { value('', 0); } catch { /* best effort */ }
  return dups;
}
