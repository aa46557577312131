/**
 * Session durations exactly as Atmos reads them, which differs per identity kind:
 * - aws/assume-role: `principal.duration`, a string parsed by Go's time.ParseDuration (so `3600`
 *   without a unit is invalid), truncated to whole seconds; anything else is ignored with a warning
 *   and no DurationSeconds is sent (pkg/auth/identities/aws/assume_role.go:110-116, and :295-300
 *   for AssumeRoleWithWebIdentity). `session.duration` is not read for assume-role.
 * - aws/user: `session.duration` through ParseDurationFlexible (integer seconds, Go duration, or
 *   `Nd` days; pkg/auth/utils/duration.go:15), default 43200 s, invalid or non-positive values
 *   fall back to the default, then clamped to 900 s .. 43200 s (129600 s with MFA)
 *   (pkg/auth/identities/aws/user.go:30-33, getSessionDuration at :661-733).
 */
import { debug } from '../log.ts';

const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/**
 * Go's time.ParseDuration, in seconds (fractions kept): `1h30m`, `1.5h`, `-90s`, `0`; undefined
 * for what Go rejects (no unit, unknown unit, empty).
 */
export function goDurationSeconds(text: string): number | undefined {
  let s = text;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (!s) return undefined;
  let ns = 0;
  const re = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;
  while (s) {
    const m = re.exec(s);
    if (!m) return undefined;
    ns += Number(m[1]) * UNIT_NS[m[2]!]!;
    s = s.slice(m[0].length);
  }
  return (sign * ns) / 1e9;
}

/** Atmos's ParseDurationFlexible: whole positive seconds, or undefined (with the reason) when invalid. */
export function flexibleDurationSeconds(text: string): { seconds?: number; error?: string } {
  const s = text.trim();
  if (!s) return { error: 'duration string is empty' };
  if (/^[+-]?\d+$/.test(s)) {
    const n = Number(s);
    return n > 0 ? { seconds: n } : { error: `duration must be positive, got: ${n}` };
  }
  const go = goDurationSeconds(s);
  if (go !== undefined) {
    const whole = Math.trunc(go);
    return whole > 0 ? { seconds: whole } : { error: `duration must be positive, got: ${s}` };
  }
  const days = /^(\d+)d$/.exec(s);
  if (days && Number(days[1]) > 0) return { seconds: Number(days[1]) * 86400 };
  return { error: `invalid duration format: ${s} (expected: integer seconds, Go duration like '1h30m', or days like '2d')` };
}

/** DurationSeconds Atmos sends for an aws/assume-role `principal.duration` value, or undefined. */
export function assumeRoleDuration(identity: string, v: unknown): number | undefined {
  // Atmos reads the value with a string type assertion: a YAML number is not a string, so ignored.
  if (typeof v !== 'string' || v === '') {
    if (v !== undefined && v !== '') debug(`identity ${identity}: principal.duration ${JSON.stringify(v)} is not a string; Atmos ignores it (assume_role.go:110)`);
    return undefined;
  }
  const sec = goDurationSeconds(v);
  if (sec === undefined) {
    debug(`identity ${identity}: invalid principal.duration '${v}' (a Go duration such as 1h); Atmos ignores it`);
    return undefined;
  }
  return Math.trunc(sec);
}

export const USER_SESSION_DEFAULT = 43200;
export const USER_SESSION_MIN = 900;
export const USER_SESSION_MAX = 43200;
export const USER_SESSION_MAX_MFA = 129600;

/** GetSessionToken DurationSeconds of an aws/user identity (`session.duration` value as written). */
export function userSessionDuration(identity: string, v: unknown, hasMfa: boolean): number {
  let d = USER_SESSION_DEFAULT;
  // Atmos's SessionConfig.Duration is a string; YAML numbers reach it as their decimal text.
  const text = typeof v === 'number' && Number.isFinite(v) ? String(v) : typeof v === 'string' ? v : '';
  if (text !== '') {
    const r = flexibleDurationSeconds(text);
    if (r.seconds === undefined || r.seconds > 2 ** 31 - 1) debug(`identity ${identity}: session.duration '${text}' is not usable (${r.error ?? 'out of range'}); using ${USER_SESSION_DEFAULT}s as Atmos does`);
    else d = r.seconds;
  }
  const max = hasMfa ? USER_SESSION_MAX_MFA : USER_SESSION_MAX;
  if (d < USER_SESSION_MIN) {
    debug(`identity ${identity}: session duration ${d}s is below the AWS minimum; clamped to ${USER_SESSION_MIN}s`);
    return USER_SESSION_MIN;
  }
  if (d > max) {
    debug(`identity ${identity}: session duration ${d}s exceeds the AWS maximum ${hasMfa ? 'with' : 'without'} MFA; clamped to ${max}s`);
    return max;
  }
  return d;
}
