// Upstream apimachinery duration.HumanDuration / ShortHumanDuration: the AGE column and
// describe output. Durations are in milliseconds; Go truncates toward zero, so do we.

const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const trunc = (ms: number, unit: number) => Math.trunc(ms / unit);

/** e.g. 45s, 3m20s, 15m, 5h30m, 20h, 3d4h, 30d, 2y100d, 9y. */
export function humanDuration(ms: number): string {
  // Up to 2s in the future is tolerated as clock skew ("0s"); beyond that the time is invalid.
  const seconds = trunc(ms, SEC);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = trunc(ms, MIN);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = trunc(ms, HOUR);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.trunc(hours / 24) % 365;
    const y = Math.trunc(hours / 24 / 365);
    return dy === 0 ? `${y}y` : `${y}y${dy}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/** One unit only: 45s, 3m, 5h, 30d, 2y. */
export function shortHumanDuration(ms: number): string {
  const seconds = trunc(ms, SEC);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60) return `${seconds}s`;
  const minutes = trunc(ms, MIN);
  if (minutes < 60) return `${minutes}m`;
  const hours = trunc(ms, HOUR);
  if (hours < 24) return `${hours}h`;
  if (hours < 24 * 365) return `${Math.trunc(hours / 24)}d`;
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/** upstream printers translateTimestampSince: "<unknown>" for a missing timestamp. */
export function translateTimestampSince(ts: string | undefined | null, now: Date = new Date()): string {
  if (!ts) return '<unknown>';
  const t = Date.parse(ts);
  if (Number.isNaN(t)) return '<unknown>';
  return humanDuration(now.getTime() - t);
}
