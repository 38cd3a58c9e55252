// resource.Quantity as upstream: parse ("100m", "1Gi", "1.5", "1e3", "500Mi"), canonical string
// (what the API server stores and returns: "0.5" → "500m", "1024Mi" → "1Gi", "1000" → "1k"),
// and exact comparison. Values are kept as BigInt nano-units; like upstream, anything finer than
// 1n is rounded up (away from zero) so a non-zero request never becomes zero.
import { errors } from './errors.js';

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

export const ErrFormatWrong = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
export const ErrSuffix = "unable to parse quantity's suffix";

const NANO = 10n ** 9n;
const decimalSuffixes: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const binarySuffixes: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const decimalByExp = new Map(Object.entries(decimalSuffixes).map(([s, e]) => [e, s]));
const binaryByExp = new Map(Object.entries(binarySuffixes).map(([s, e]) => [e / 10, s]));

export class Quantity {
  /** `nanos` is the value × 10^9. */
  constructor(readonly nanos: bigint, readonly format: QuantityFormat = 'DecimalSI') {}

  static parse(s: string | number): Quantity {
    return parseQuantity(s);
  }

  isZero(): boolean {
    return this.nanos === 0n;
  }

  /** -1, 0, 1 */
  cmp(other: Quantity): number {
    return this.nanos < other.nanos ? -1 : this.nanos > other.nanos ? 1 : 0;
  }

  /** Integer value rounded up (upstream Value()). */
  value(): number {
    return Number(ceilDiv(this.nanos, NANO));
  }

  /** Value × 1000 rounded up (upstream MilliValue()). */
  milliValue(): number {
    return Number(ceilDiv(this.nanos, 10n ** 6n));
  }

  /** Approximate float value (for display/arithmetic only). */
  asNumber(): number {
    return Number(this.nanos) / 1e9;
  }

  add(other: Quantity): Quantity {
    return new Quantity(this.nanos + other.nanos, this.format);
  }

  sub(other: Quantity): Quantity {
    return new Quantity(this.nanos - other.nanos, this.format);
  }

  /** Canonical form as upstream serializes it. */
  toString(): string {
    if (this.nanos === 0n) return '0';
    const neg = this.nanos < 0n;
    const abs = neg ? -this.nanos : this.nanos;
    let format = this.format;
    if (format === 'BinarySI') {
      // Small or fractional binary quantities are shown in decimal to avoid rounding.
      if (abs < 1024n * NANO || abs % NANO !== 0n) format = 'DecimalSI';
    }
    let body: string;
    if (format === 'BinarySI') {
      let n = abs / NANO;
      let exp = 0;
      while (exp < 6 && n % 1024n === 0n) {
        n /= 1024n;
        exp++;
      }
      body = n.toString() + (binaryByExp.get(exp) ?? '');
    } else {
      let n = abs;
      let exp = -9;
      while (n % 10n === 0n) {
        n /= 10n;
        exp++;
      }
      // Floor the exponent to a multiple of 3 (Go's % keeps the sign, hence the loop shape).
      while (exp % 3 !== 0) {
        n *= 10n;
        exp--;
      }
      if (format === 'DecimalExponent') body = n.toString() + (exp === 0 ? '' : `e${exp}`);
      else {
        const suffix = decimalByExp.get(exp);
        if (suffix !== undefined) body = n.toString() + suffix;
        else {
          // Beyond exa: scale down to E so the number stays exact.
          body = (n * 10n ** BigInt(exp - 18)).toString() + 'E';
        }
      }
    }
    return (neg ? '-' : '') + body;
  }

  toJSON(): string {
    return this.toString();
  }
}

function ceilDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a > 0n ? q + 1n : q;
}

interface Parts { positive: boolean; num: string; denom: string; suffix: string }

/** Upstream parseQuantityString: split sign, integer, fraction and suffix. */
function split(str: string): Parts {
  let pos = 0;
  const end = str.length;
  let positive = true;
  if (str[0] === '-') {
    positive = false;
    pos++;
  } else if (str[0] === '+') pos++;
  while (pos < end && str[pos] === '0') pos++;
  if (pos >= end) return { positive, num: '0', denom: '', suffix: '' };
  const numStart = pos;
  while (pos < end && str[pos]! >= '0' && str[pos]! <= '9') pos++;
  const num = str.slice(numStart, pos) || '0';
  let denom = '';
  if (pos < end && str[pos] === '.') {
    pos++;
    const ds = pos;
    while (pos < end && str[pos]! >= '0' && str[pos]! <= '9') pos++;
    denom = str.slice(ds, pos);
  }
  const suffixStart = pos;
  while (pos < end && 'eEinumkKMGTP'.includes(str[pos]!)) pos++;
  if (pos < end && (str[pos] === '-' || str[pos] === '+')) pos++;
  while (pos < end && str[pos]! >= '0' && str[pos]! <= '9') pos++;
  if (pos < end) throw errors.badRequest(ErrFormatWrong);
  return { positive, num, denom, suffix: str.slice(suffixStart) };
}

/** Parse a quantity; bad input is a 400 BadRequest ApiError with upstream's message. */
export function parseQuantity(input: string | number): Quantity {
  const str = typeof input === 'number' ? numberToString(input) : input;
  if (typeof str !== 'string' || str.length === 0) throw errors.badRequest(ErrFormatWrong);
  const { positive, num, denom, suffix } = split(str);

  let format: QuantityFormat;
  let base: bigint;
  let exp10 = 0;
  if (Object.hasOwn(decimalSuffixes, suffix)) {
    format = 'DecimalSI';
    exp10 = decimalSuffixes[suffix]!;
    base = 1n;
  } else if (Object.hasOwn(binarySuffixes, suffix)) {
    format = 'BinarySI';
    base = 1n << BigInt(binarySuffixes[suffix]!);
  } else if (/^[eE][+-]?[0-9]+$/.test(suffix)) {
    format = 'DecimalExponent';
    exp10 = Number(suffix.slice(1));
    base = 1n;
    if (!Number.isSafeInteger(exp10) || Math.abs(exp10) > 1000) throw errors.badRequest(ErrSuffix);
  } else {
    throw errors.badRequest(ErrSuffix);
  }

  // value = (num.denom) × base × 10^exp10, in nano units, rounded away from zero.
  const digits = BigInt(num + denom);
  const scale = 9 + exp10 - denom.length; // power of ten to multiply `digits` by
  let nanos: bigint;
  const scaled = digits * base;
  if (scale >= 0) nanos = scaled * 10n ** BigInt(scale);
  else {
    const d = 10n ** BigInt(-scale);
    nanos = scaled / d + (scaled % d !== 0n ? 1n : 0n);
  }
  return new Quantity(positive ? nanos : -nanos, format);
}

/** Parse, or undefined when invalid. */
export function tryParseQuantity(input: unknown): Quantity | undefined {
  if (typeof input !== 'string' && typeof input !== 'number') return undefined;
  try {
    return parseQuantity(input);
  } catch {
    return undefined;
  }
}

/** Canonical string of a quantity given as string or number (what the server stores). */
export function canonicalQuantity(input: string | number): string {
  return parseQuantity(input).toString();
}

function numberToString(n: number): string {
  if (!Number.isFinite(n)) return '';
  // JSON numbers like 1e21 or 1e-7 use exponent notation in JS; quantities accept it.
  return String(n).replace('e+', 'e');
}
