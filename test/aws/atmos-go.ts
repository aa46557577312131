// Atmos's side of the shared SSO session file, written here from Atmos's Go source (cloudposse/atmos
// at 0a1cb44) and independent of src/: a reader that accepts exactly what Atmos accepts, and a
// writer that writes the way Atmos writes. The tests check atmos-auth's files against these.
import { createHash } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** The Go struct pkg/auth/providers/aws/sso_cache.go:43-52 (ssoTokenCache), decoded. */
export interface GoSsoTokenCache {
  accessToken: string;
  expiresAt: Date;
  region: string;
  startUrl: string;
  refreshToken: string;
  clientId: string;
  clientSecret: string;
  /** null: Go's zero time (0001-01-01T00:00:00Z). */
  registrationExpiresAt: Date | null;
}

/** sso_cache.go:33-37 sessionKey: hex sha1 of start_url + "|" + region. */
export function goSessionKey(startUrl: string, region: string): string {
  return createHash('sha1').update(`${startUrl}|${region}`).digest('hex');
}

/**
 * sso_cache.go:100-113 getTokenCachePath, with pkg/xdg/xdg.go:124-147 getXDGDir:
 * ATMOS_XDG_CACHE_HOME, else XDG_CACHE_HOME, else ~/.cache; then atmos/aws-sso/sessions/<key>.json.
 */
export function goTokenCachePath(env: NodeJS.ProcessEnv, home: string, startUrl: string, region: string): string {
  const base = env.ATMOS_XDG_CACHE_HOME || env.XDG_CACHE_HOME || join(home, '.cache');
  return join(base, 'atmos', 'aws-sso', 'sessions', `${goSessionKey(startUrl, region)}.json`);
}

// time.Time.UnmarshalJSON (Go 1.20+): a JSON string in strict RFC 3339 (four-digit year,
// two-digit fields, upper-case T, Z or +hh:mm, optional fraction of 1-9 digits).
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

function goTime(v: unknown, field: string): Date | null {
  if (v === null || v === undefined) return null; // JSON null: Unmarshal leaves the zero value
  if (typeof v !== 'string') throw new Error(`json: cannot unmarshal ${typeof v} into Go struct field ssoTokenCache.${field} of type time.Time`);
  const m = RFC3339.exec(v);
  if (!m) throw new Error(`parsing time "${v}" as RFC 3339: cannot parse`);
  const [, y, mo, d, h, mi, sec, frac, off] = m;
  const t = new Date(`${y}-${mo}-${d}T${h}:${mi}:${sec}.${(frac ?? '').padEnd(3, '0').slice(0, 3)}${off}`);
  if (Number.isNaN(t.getTime())) throw new Error(`parsing time "${v}": out of range`);
  return t.getTime() === GO_ZERO ? null : t;
}

const GO_ZERO = Date.parse('0001-01-01T00:00:00Z');

function goString(v: unknown, field: string): string {
  if (v === null || v === undefined) return '';
  if (typeof v !== 'string') throw new Error(`json: cannot unmarshal ${typeof v} into Go struct field ssoTokenCache.${field} of type string`);
  return v;
}

/**
 * json.Unmarshal into ssoTokenCache (sso_cache.go:198-202): an object; keys match the json tags
 * exactly, else case-insensitively (encoding/json's rule); unknown keys are ignored; a type error
 * or bad time fails the whole read (Atmos then re-authenticates).
 */
export function goUnmarshal(text: string): GoSsoTokenCache {
  const raw = JSON.parse(text) as unknown;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new Error('json: cannot unmarshal into Go value of type aws.ssoTokenCache');
  const obj = raw as Record<string, unknown>;
  const pick = (tag: string): unknown => {
    if (tag in obj) return obj[tag];
    const k = Object.keys(obj).find((x) => x.toLowerCase() === tag.toLowerCase());
    return k === undefined ? undefined : obj[k];
  };
  const expiresAt = goTime(pick('expiresAt'), 'ExpiresAt');
  return {
    accessToken: goString(pick('accessToken'), 'AccessToken'),
    expiresAt: expiresAt ?? new Date(GO_ZERO),
    region: goString(pick('region'), 'Region'),
    startUrl: goString(pick('startUrl'), 'StartURL'),
    refreshToken: goString(pick('refreshToken'), 'RefreshToken'),
    clientId: goString(pick('clientId'), 'ClientID'),
    clientSecret: goString(pick('clientSecret'), 'ClientSecret'),
    registrationExpiresAt: goTime(pick('registrationExpiresAt'), 'RegistrationExpiresAt'),
  };
}

/**
 * sso_cache.go:120-134 loadFullCachedToken: the file is used only when more than 5 minutes remain
 * and region and start URL equal the provider's config exactly (no trailing-slash leniency).
 */
export function goLoadFullCachedToken(text: string, provider: { startUrl: string; region: string }, now = Date.now()): GoSsoTokenCache | null {
  let c: GoSsoTokenCache;
  try {
    c = goUnmarshal(text);
  } catch {
    return null;
  }
  if (now + 5 * 60_000 > c.expiresAt.getTime()) return null;
  if (c.region !== provider.region || c.startUrl !== provider.startUrl) return null;
  return c;
}

/** sso_cache.go:141-153 loadExpiredCachedTokenForRefresh: any expiry, but a refresh token and an exact match. */
export function goLoadForRefresh(text: string, provider: { startUrl: string; region: string }): GoSsoTokenCache | null {
  let c: GoSsoTokenCache;
  try {
    c = goUnmarshal(text);
  } catch {
    return null;
  }
  if (!c.refreshToken || c.region !== provider.region || c.startUrl !== provider.startUrl) return null;
  return c;
}

/** Go's time.Time.MarshalJSON of a UTC time: RFC 3339 with nanoseconds, trailing zeros trimmed. */
function goTimeString(d: Date | null, nanos = 0): string {
  if (!d) return '0001-01-01T00:00:00Z';
  const base = d.toISOString().replace(/\.\d{3}Z$/, '');
  const ns = ((d.getTime() % 1000) * 1_000_000 + nanos).toString().padStart(9, '0').replace(/0+$/, '');
  return `${base}${ns ? `.${ns}` : ''}Z`;
}

/** json.MarshalIndent(token, "", "  ") of ssoTokenCache (sso_cache.go:165), as Atmos saves it. */
export function goMarshalIndent(t: Omit<GoSsoTokenCache, 'refreshToken' | 'clientId' | 'clientSecret'> & Partial<GoSsoTokenCache>): string {
  const lines: string[] = [
    `  "accessToken": ${JSON.stringify(t.accessToken)}`,
    // time.Now().Add(...) carries a monotonic, nanosecond clock: Atmos's files have 9 digits.
    `  "expiresAt": ${JSON.stringify(goTimeString(t.expiresAt, 123_456))}`,
    `  "region": ${JSON.stringify(t.region)}`,
    `  "startUrl": ${JSON.stringify(t.startUrl)}`,
  ];
  if (t.refreshToken) lines.push(`  "refreshToken": ${JSON.stringify(t.refreshToken)}`);
  if (t.clientId) lines.push(`  "clientId": ${JSON.stringify(t.clientId)}`);
  if (t.clientSecret) lines.push(`  "clientSecret": ${JSON.stringify(t.clientSecret)}`);
  lines.push(`  "registrationExpiresAt": ${JSON.stringify(goTimeString(t.registrationExpiresAt ?? null))}`);
  return `{\n${lines.join(',\n')}\n}`;
}

/**
 * os.WriteFile(path, data, 0600) as Atmos calls it (sso_cache.go:76-78, :171): open with
 * O_WRONLY|O_CREATE|O_TRUNC, then write, in place, not atomic. `split` writes the data in two
 * calls, widening the instant in which a reader sees a cut file (a larger write may be split so
 * by the kernel anyway).
 */
export function goWriteFile(path: string, data: string, split = false): void {
  const fd = openSync(path, 'w', 0o600);
  try {
    const b = Buffer.from(data);
    if (split) {
      const half = Math.floor(b.length / 2);
      writeSync(fd, b, 0, half);
      writeSync(fd, b, half);
    } else {
      writeSync(fd, b);
    }
  } finally {
    closeSync(fd);
  }
}
