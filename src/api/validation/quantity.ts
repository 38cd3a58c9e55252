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

const decimalSuffixes: [number, string][] = [[18, 'E'], [15, 'P'], [12, 'T'], [9, 'G'], [6, 'M'], [3, 'k'], [0, ''], [-3, 'm'], [-6, 'u'], [-9, 'n']];
const binarySuffixes: [bigint, string][] = [[60n, 'Ei'], [50n, 'Pi'], [40n, 'Ti'], [30n, 'Gi'], [20n, 'Mi'], [10n, 'Ki']];

/** The value in nano-units as an exact BigInt (rounded up, as upstream rounds to nano precision). */
function nanos(text: string): bigint | undefined {
  const m = re.exec(text.trim());
  if (!m) return undefined;
  const [, num, suffix = ''] = m;
  const neg = num!.startsWith('-');
  const [ip = '0', fp = ''] = num!.replace(/^[+-]/, '').split('.');
  let exp10 = 0;
  let mult = 1n;
  if (/^[eE]/.test(suffix)) exp10 = Number(suffix.slice(1));
  else if (suffix in binary) mult = 1n << BigInt(Math.log2(binary[suffix]!));
  else exp10 = Math.round(Math.log10(decimal[suffix]!));
  // value = (ip.fp) * mult * 10^exp10, in nanos: digits * mult * 10^(exp10 + 9 - fp.length)
  const digits = BigInt((ip || '0') + fp) * mult;
  const shift = exp10 + 9 - fp.length;
  let v: bigint;
  if (shift >= 0) v = digits * 10n ** BigInt(shift);
  else {
    const d = 10n ** BigInt(-shift);
    v = digits / d + (digits % d === 0n ? 0n : 1n);
  }
  return neg ? -v : v;
}

/**
 * upstream Quantity.String(): the canonical form a quantity is served in (`1000m` → `1`,
 * `0.5` → `500m`, `1024Mi` → `1Gi`, `2000` → `2k`, a JSON number 1 → "1"). Exponent forms
 * (`1e3`) and unparseable text are returned unchanged.
 */
export function canonicalQuantity(v: unknown): unknown {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return v;
    v = String(v);
  }
  if (typeof v !== 'string') return v;
  const m = re.exec(v.trim());
  if (!m) return v;
  const suffix = m[2] ?? '';
  if (/^[eE]/.test(suffix) || /e/i.test(m[1]!)) return v;
  const n = nanos(v);
  if (n === undefined) return v;
  const neg = n < 0n;
  const abs = neg ? -n : n;
  const sign = neg ? '-' : '';
  if (abs === 0n) return '0';
  if (suffix in binary && abs % 1_000_000_000n === 0n) {
    const bytes = abs / 1_000_000_000n;
    for (const [shift, s] of binarySuffixes) {
      const unit = 1n << shift;
      if (bytes % unit === 0n) return `${sign}${bytes / unit}${s}`;
    }
    return `${sign}${bytes}`;
  }
  for (const [e, s] of decimalSuffixes) {
    const unit = 10n ** BigInt(e + 9);
    if (abs % unit === 0n) return `${sign}${abs / unit}${s}`;
  }
  return v;
}

/** Canonicalize every quantity of a resource map (requests/limits) in place. */
export function canonicalizeResourceList(list: Record<string, unknown> | undefined): void {
  if (!list || typeof list !== 'object') return;
  for (const k of Object.keys(list)) list[k] = canonicalQuantity(list[k]);
}
