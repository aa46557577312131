/**
 * The SSO token caches, in the formats their owners write them:
 * - the AWS CLI v2 / botocore / JS SDK cache `~/.aws/sso/cache/<sha1>.json` (read and write), keyed
 *   by sha1 of the sso-session name, or of the start URL for legacy profiles (botocore
 *   utils.SSOTokenLoader._generate_cache_key); timestamps `YYYY-MM-DDTHH:MM:SSZ`
 *   (botocore tokens._sso_json_dumps);
 * - the client registration the AWS CLI v2 keeps beside it, keyed by sha1 of a Python
 *   `json.dumps(..., sort_keys=True)` of tool/startUrl/region/scopes/session_name
 *   (awscli/botocore/utils.py BaseSSOTokenFetcher._registration_cache_key);
 * - Atmos's own cache `<XDG cache>/atmos/aws-sso/sessions/<sha1(start_url + "|" + region)>.json`
 *   (read and write; Atmos pkg/auth/providers/aws/sso_cache.go:33-37 sessionKey, :43-52 the
 *   struct, :100-113 the path) and its older `aws-sso/<provider>/token.json` (read only).
 * Files we create are 0600 in 0700 directories, written atomically. Other tools do not all write
 * atomically (Atmos: os.WriteFile, sso_cache.go:76-78; the JS SDK: writeFile), so a file that does
 * not parse is read once more before it counts as absent.
 */
import { createHash } from 'node:crypto';
import { lstatSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { debug } from '../log.ts';
import { paths } from '../paths.ts';
import { readPrivateFile, removePrivateFile, writePrivateFile } from '../util/secure-file.ts';
import { findSsoSession, sameStartUrl } from './aws-config.ts';

export interface ProviderRef {
  name: string;
  startUrl: string;
  region: string;
}

/** A token as found in (or written to) a cache file. */
export interface CachedToken {
  startUrl?: string;
  region?: string;
  accessToken: string;
  expiresAt: Date;
  refreshToken?: string;
  clientId?: string;
  clientSecret?: string;
  registrationExpiresAt?: Date;
  /** Where it was read from, and which kind of cache that is. */
  file: string;
  source: 'aws-cli-cache' | 'atmos-cache';
}

/** Where the caches of one provider live. */
export interface TokenLocation {
  /** The sso-session name from the AWS config, when one matches the provider. */
  sessionName?: string;
  /** The start URL as the AWS config spells it (else as the provider does): written into tokens. */
  startUrl: string;
  region: string;
  /** Scopes from `sso_registration_scopes`, undefined when not configured. */
  registrationScopes?: string[];
  /** The file we write: sha1(session name) or sha1(start URL). */
  primaryFile: string;
  /** The legacy start-URL-keyed file when the primary is session-keyed (read only). */
  legacyFile?: string;
  /** Atmos cache files that could hold this session (read). */
  atmosFiles: string[];
  /**
   * The Atmos session file we write: keyed by the provider's start_url and region exactly as
   * atmos.yaml spells them, which is what Atmos hashes and then compares (sso_cache.go:112, :129).
   */
  atmosFile?: string;
}

export function sha1(s: string): string {
  return createHash('sha1').update(s, 'utf8').digest('hex');
}

/** `~/.aws/sso/cache`, as botocore and the JS SDK compute it (HOME-based). */
export function awsSsoCacheDir(): string {
  return join(homedir(), '.aws', 'sso', 'cache');
}

/**
 * Atmos's XDG cache root, as pkg/xdg/xdg.go:124-147 getXDGDir computes it: ATMOS_XDG_CACHE_HOME,
 * else XDG_CACHE_HOME, else adrg/xdg's default (~/.cache, also on macOS: xdg.go:38-47;
 * %LOCALAPPDATA% on Windows), then `atmos`.
 */
export function atmosCacheRoot(): string {
  const base = process.env.ATMOS_XDG_CACHE_HOME || process.env.XDG_CACHE_HOME ||
    (process.platform === 'win32' && process.env.LOCALAPPDATA ? process.env.LOCALAPPDATA : join(homedir(), '.cache'));
  return join(base, 'atmos');
}

/** Finds the cache files of a provider (reads the AWS config for a matching sso-session). */
export function locateToken(p: ProviderRef): TokenLocation {
  const session = findSsoSession(p);
  const dir = awsSsoCacheDir();
  const startUrl = session?.startUrl ?? p.startUrl;
  const legacy = join(dir, `${sha1(startUrl)}.json`);
  const atmosDir = join(atmosCacheRoot(), 'aws-sso');
  const atmosFiles = [...new Set([p.startUrl, p.startUrl.replace(/\/+$/, '')])].map((u) => join(atmosDir, 'sessions', `${sha1(`${u}|${p.region}`)}.json`));
  if (/^[A-Za-z0-9._-]+$/.test(p.name)) atmosFiles.push(join(atmosDir, p.name, 'token.json'));
  const loc: TokenLocation = {
    startUrl,
    region: p.region,
    primaryFile: session ? join(dir, `${sha1(session.name)}.json`) : legacy,
    atmosFiles,
    atmosFile: atmosFiles[0]!,
  };
  if (session) {
    loc.sessionName = session.name;
    loc.legacyFile = legacy;
    if (session.registrationScopes) loc.registrationScopes = session.registrationScopes;
  }
  return loc;
}

/**
 * Parses the timestamps the various writers produce: botocore `2026-01-01T00:00:00Z`, older botocore
 * `...UTC`, the JS SDK's toISOString (millis), Go's RFC 3339 with nanoseconds or an offset.
 */
export function parseTimestamp(v: unknown): Date | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return new Date(v > 1e12 ? v : v * 1000);
  if (typeof v !== 'string' || !v) return undefined;
  let s = v.trim().replace(/\s*UTC$/, 'Z');
  // Trim sub-millisecond digits (Go writes nanoseconds), which Date.parse rejects on some engines.
  s = s.replace(/(\.\d{3})\d+/, '$1');
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : new Date(t);
}

/** botocore's `%Y-%m-%dT%H:%M:%SZ` (UTC, no fraction). */
export function formatTimestamp(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Reads a cache file written by another tool. Those tools do not all write 0600 (the JS SDK writes
 * with the umask), so mode is only reported; a symlink or a file of another user is ignored.
 */
function readForeignJson(file: string): Record<string, unknown> | null {
  for (let attempt = 0; ; attempt++) {
    try {
      const st = lstatSync(file);
      if (!st.isFile()) return null;
      const uid = typeof process.getuid === 'function' ? process.getuid() : -1;
      if (uid >= 0 && st.uid !== uid) {
        debug(`ignoring ${file}: owned by uid ${st.uid}`);
        return null;
      }
      const data = JSON.parse(readFileSync(file, 'utf8')) as unknown;
      return data && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>) : null;
    } catch (err) {
      // A writer that truncates then writes (Atmos, the JS SDK) leaves an empty or cut file for an
      // instant: read it once more; still broken, it counts as absent.
      if (err instanceof SyntaxError && attempt === 0) continue;
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') debug(`ignoring ${file}: ${(err as Error).message}`);
      return null;
    }
  }
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v ? v : undefined;
}

/** One token file, or null when absent/unreadable/not a token. */
export function readTokenFile(file: string, source: CachedToken['source']): CachedToken | null {
  const j = readForeignJson(file);
  if (!j) return null;
  const accessToken = str(j.accessToken);
  const expiresAt = parseTimestamp(j.expiresAt);
  if (!accessToken || !expiresAt) return null;
  const t: CachedToken = { accessToken, expiresAt, file, source };
  const startUrl = str(j.startUrl);
  const region = str(j.region);
  const refreshToken = str(j.refreshToken);
  const clientId = str(j.clientId);
  const clientSecret = str(j.clientSecret);
  const regExp = parseTimestamp(j.registrationExpiresAt);
  if (startUrl) t.startUrl = startUrl;
  if (region) t.region = region;
  if (refreshToken) t.refreshToken = refreshToken;
  if (clientId) t.clientId = clientId;
  if (clientSecret) t.clientSecret = clientSecret;
  // Go writes the zero time for an absent registration; treat anything before 2001 as absent.
  if (regExp && regExp.getTime() > 978307200000) t.registrationExpiresAt = regExp;
  return t;
}

/** Every cached token that belongs to this provider, whatever its expiry. */
export function readCandidates(p: ProviderRef, loc: TokenLocation): CachedToken[] {
  const out: CachedToken[] = [];
  const belongs = (t: CachedToken) =>
    (!t.startUrl || sameStartUrl(t.startUrl, p.startUrl)) && (!t.region || t.region === p.region);
  for (const f of [loc.primaryFile, loc.legacyFile]) {
    if (!f) continue;
    const t = readTokenFile(f, 'aws-cli-cache');
    if (t && belongs(t)) out.push(t);
    else if (t) debug(`token cache ${f}: for another start URL/region, ignored`);
  }
  for (const f of loc.atmosFiles) {
    const t = readTokenFile(f, 'atmos-cache');
    // Atmos checks start URL and region itself before using a file; so do we.
    if (t && t.startUrl && t.region && belongs(t)) out.push(t);
  }
  return out;
}

/**
 * No IAM Identity Center session lasts longer than 90 days: a token said to expire later was written
 * under a wrong clock (or damaged) and is never used as is; it may still be refreshed.
 */
export const MAX_TOKEN_AHEAD_MS = 90 * 86400_000;

/** True when the token's expiry is believable for a token read now. */
export function plausibleExpiry(t: Pick<CachedToken, 'expiresAt'>, now = Date.now()): boolean {
  return t.expiresAt.getTime() - now <= MAX_TOKEN_AHEAD_MS;
}

/**
 * Why the AWS CLI cache files of this provider give no usable token, one note per file that exists
 * but cannot be used (for the error that asks for a login); an expired token needs no note.
 */
export function unusableTokenNotes(loc: TokenLocation, now = Date.now()): string[] {
  const notes: string[] = [];
  const uid = typeof process.getuid === 'function' ? process.getuid() : -1;
  for (const f of [loc.primaryFile, loc.legacyFile]) {
    if (!f) continue;
    let st;
    try {
      st = lstatSync(f);
    } catch {
      continue;
    }
    if (st.isSymbolicLink()) notes.push(`ignored ${f}: a symbolic link (remove it)`);
    else if (!st.isFile()) notes.push(`ignored ${f}: not a regular file (remove it)`);
    else if (uid >= 0 && st.uid !== uid) notes.push(`ignored ${f}: owned by uid ${st.uid}, not by you (remove it)`);
    else {
      const t = readTokenFile(f, 'aws-cli-cache');
      if (!t) notes.push(`ignored ${f}: no readable token in it (damaged? remove it)`);
      else if (!plausibleExpiry(t, now)) notes.push(`ignored the token in ${f}: it claims to expire ${formatTimestamp(t.expiresAt)}, too far ahead (is the clock right?)`);
    }
  }
  return notes;
}

/** True when CreateToken(refresh_token) can be tried with this token's refresh token and registration. */
export function isRefreshable(t: Pick<CachedToken, 'refreshToken' | 'clientId' | 'clientSecret' | 'registrationExpiresAt' | 'source'>, now = Date.now()): boolean {
  if (!(t.refreshToken && t.clientId && t.clientSecret)) return false;
  if (t.registrationExpiresAt) return t.registrationExpiresAt.getTime() > now;
  // Atmos refreshes a token whose file records no registration expiry (Go's zero time), as the
  // server is then the judge (sso_refresh.go:52); botocore insists on one, so an AWS CLI file must.
  return t.source === 'atmos-cache';
}

/** What we write: botocore's field order and formats. */
export interface TokenRecord {
  startUrl: string;
  region: string;
  accessToken: string;
  expiresAt: Date;
  clientId?: string;
  clientSecret?: string;
  registrationExpiresAt?: Date;
  refreshToken?: string;
}

/** Serialises a token exactly as botocore does (same keys, same order, same timestamp format). */
export function serializeToken(t: TokenRecord): string {
  const o: Record<string, string> = {
    startUrl: t.startUrl,
    region: t.region,
    accessToken: t.accessToken,
    expiresAt: formatTimestamp(t.expiresAt),
  };
  if (t.clientId) o.clientId = t.clientId;
  if (t.clientSecret) o.clientSecret = t.clientSecret;
  if (t.registrationExpiresAt) o.registrationExpiresAt = formatTimestamp(t.registrationExpiresAt);
  if (t.refreshToken) o.refreshToken = t.refreshToken;
  return JSON.stringify(o);
}

/** Writes a token into the AWS CLI cache (0600, atomic). */
export async function writeToken(file: string, t: TokenRecord): Promise<void> {
  await writePrivateFile(file, serializeToken(t));
  debug(`sso token saved to ${file} (expires ${formatTimestamp(t.expiresAt)})`);
}

/**
 * Go's encoding/json string: JSON with `<`, `>`, `&`, U+2028 and U+2029 escaped (Go's default
 * HTML-safe escaping), so a file we write is byte-for-byte what Atmos would write.
 */
function goJsonString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Go's zero time.Time as encoding/json writes it: what Atmos stores for "no registration". */
const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

/**
 * Serialises a token as Atmos's ssoTokenCache through json.MarshalIndent(token, "", "  ")
 * (sso_cache.go:43-52, :165): struct field order, `omitempty` on the refresh token and client
 * fields, `registrationExpiresAt` always present (omitempty does not omit a struct such as
 * time.Time), times in RFC 3339 (time.Time.MarshalJSON), here UTC without fraction.
 */
export function serializeAtmosToken(t: TokenRecord): string {
  const fields: [string, string][] = [
    ['accessToken', t.accessToken],
    ['expiresAt', formatTimestamp(t.expiresAt)],
    ['region', t.region],
    ['startUrl', t.startUrl],
  ];
  if (t.refreshToken) fields.push(['refreshToken', t.refreshToken]);
  if (t.clientId) fields.push(['clientId', t.clientId]);
  if (t.clientSecret) fields.push(['clientSecret', t.clientSecret]);
  fields.push(['registrationExpiresAt', t.registrationExpiresAt ? formatTimestamp(t.registrationExpiresAt) : GO_ZERO_TIME]);
  return `{\n${fields.map(([k, v]) => `  ${goJsonString(k)}: ${goJsonString(v)}`).join(',\n')}\n}`;
}

/** Writes a token into Atmos's session cache (0600 in 0700 directories, atomic). */
export async function writeAtmosToken(file: string, t: TokenRecord): Promise<void> {
  await writePrivateFile(file, serializeAtmosToken(t));
  debug(`sso token shared with Atmos: ${file}`);
}

/** Removes a token file (either cache), but only if it still holds `accessToken` (when given). */
export function removeToken(file: string, accessToken?: string): boolean {
  if (accessToken) {
    const t = readTokenFile(file, 'aws-cli-cache');
    if (!t || t.accessToken !== accessToken) return false;
  }
  const removed = removePrivateFile(file);
  if (removed) debug(`sso token removed: ${file}`);
  return removed;
}

// ---- client registrations ----

export type GrantKind = 'authorization_code' | 'device_code';

/** A client registration as the AWS CLI caches it. */
export interface Registration {
  clientId: string;
  clientSecret: string;
  expiresAt: Date;
  scopes?: string[];
  grantTypes?: string[];
}

/** Python's json.dumps(obj, sort_keys=True) with default separators and ensure_ascii. */
export function pythonJsonDumps(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(v).replace(/[\u007f-\uffff]/g, (c) => (c === '\u007f' ? c : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
  if (typeof v === 'number' || typeof v === 'boolean') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(pythonJsonDumps).join(', ')}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${keys.map((k) => `${pythonJsonDumps(k)}: ${pythonJsonDumps(o[k])}`).join(', ')}}`;
}

/** The AWS CLI v2's registration cache key (sha1 of the sorted JSON of its identifying fields). */
export function registrationCacheKey(loc: TokenLocation): string {
  return sha1(pythonJsonDumps({
    tool: 'botocore',
    startUrl: loc.startUrl,
    region: loc.region,
    scopes: loc.registrationScopes ?? null,
    session_name: loc.sessionName ?? null,
  }));
}

function isAuthCodeRegistration(r: Registration): boolean {
  return !!r.grantTypes?.includes('authorization_code');
}

function parseRegistration(j: Record<string, unknown> | null): Registration | null {
  if (!j) return null;
  const clientId = str(j.clientId);
  const clientSecret = str(j.clientSecret);
  const expiresAt = parseTimestamp(j.expiresAt);
  if (!clientId || !clientSecret || !expiresAt) return null;
  const r: Registration = { clientId, clientSecret, expiresAt };
  if (Array.isArray(j.scopes)) r.scopes = j.scopes.filter((s): s is string => typeof s === 'string');
  if (Array.isArray(j.grantTypes)) r.grantTypes = j.grantTypes.filter((s): s is string => typeof s === 'string');
  return r;
}

function serializeRegistration(r: Registration): string {
  const o: Record<string, unknown> = { clientId: r.clientId, clientSecret: r.clientSecret, expiresAt: formatTimestamp(r.expiresAt) };
  if (r.scopes) o.scopes = r.scopes;
  if (r.grantTypes) o.grantTypes = r.grantTypes;
  return JSON.stringify(o);
}

/** Our own copy, one per grant kind, so device and PKCE logins never evict each other's registration. */
function ownRegistrationFile(loc: TokenLocation, kind: GrantKind): string {
  return join(paths.cache, 'sso', `registration-${kind === 'authorization_code' ? 'authcode' : 'device'}-${registrationCacheKey(loc)}.json`);
}

/** A registration still good for 15 minutes, of the right kind: the AWS CLI's file first, then ours. */
export function readRegistration(loc: TokenLocation, kind: GrantKind, now = Date.now()): Registration | null {
  const fresh = (r: Registration | null) => !!r && r.expiresAt.getTime() - now > 15 * 60_000 && isAuthCodeRegistration(r) === (kind === 'authorization_code');
  const cli = parseRegistration(readForeignJson(join(awsSsoCacheDir(), `${registrationCacheKey(loc)}.json`)));
  if (fresh(cli)) {
    debug(`sso client registration (${kind}) from the AWS CLI cache`);
    return cli;
  }
  let own: Registration | null = null;
  try {
    const text = readPrivateFile(ownRegistrationFile(loc, kind));
    own = text ? parseRegistration(JSON.parse(text) as Record<string, unknown>) : null;
  } catch (err) {
    debug(`own registration unreadable: ${(err as Error).message}`);
  }
  if (fresh(own)) {
    debug(`sso client registration (${kind}) from the atmos-auth cache`);
    return own;
  }
  return null;
}

/**
 * Stores a new registration in our per-kind file, and in the AWS CLI's file when that holds none
 * that is still valid or holds one of the same kind (so `aws sso login` can reuse it).
 */
export async function saveRegistration(loc: TokenLocation, kind: GrantKind, r: Registration): Promise<void> {
  await writePrivateFile(ownRegistrationFile(loc, kind), serializeRegistration(r));
  const cliFile = join(awsSsoCacheDir(), `${registrationCacheKey(loc)}.json`);
  const cli = parseRegistration(readForeignJson(cliFile));
  if (!cli || cli.expiresAt.getTime() <= Date.now() || isAuthCodeRegistration(cli) === (kind === 'authorization_code')) {
    try {
      await writePrivateFile(cliFile, serializeRegistration(r));
    } catch (err) {
      debug(`could not share the registration with the AWS CLI cache: ${(err as Error).message}`);
    }
  }
}

/** Deletes our registrations of this provider (both kinds) and the AWS CLI's one. */
export function removeRegistrations(loc: TokenLocation): void {
  for (const kind of ['authorization_code', 'device_code'] as const) removePrivateFile(ownRegistrationFile(loc, kind));
  removePrivateFile(join(awsSsoCacheDir(), `${registrationCacheKey(loc)}.json`));
}
