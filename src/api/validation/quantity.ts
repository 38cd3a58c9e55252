// resource.Quantity, as far as validation and QoS need it: parse the upstream serialization
// (`500m`, `1Gi`, `2`, `1e3`) into a number for comparisons. Float precision is enough to compare
// requests with limits; the canonical re-serialization is not attempted (the original text is kept).
const binary: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const decimal: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

const re = /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))((?:[eE][+-]?[0-9]+)|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/;

/** The numeric value of a quantity, or undefined when the text is not a quantity. */
export function parseQuantity(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const m = re.exec(v.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const suffix = m[2] ?? '';
  if (/^[eE]/.test(suffix)) return n * 10 ** Number(suffix.slice(1));
  if (suffix in binary) return n * binary[suffix]!;
  return n * decimal[suffix]!;
}

/** The text upstream prints for a quantity value in messages. */
export function quantityText(v: unknown): string {
  return typeof v === 'number' ? String(v) : String(v ?? '');
}

export const quantityErrorMsg = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
