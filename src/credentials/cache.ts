/**
 * The role credentials cache: one private file per identity chain (and per chain prefix, so an MFA
 * session or a permission set shared by several roles is fetched once) under
 * `<cache>/credentials/`, files 0600 in dirs 0700, written atomically. Entries are reused while at
 * least ATMOS_AUTH_MIN_TTL seconds (default 900: 15 minutes) remain.
 *
 * This module is on the warm path of `export`: it imports nothing but node builtins and
 * secure-file, and never the AWS SDK.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ChainHop } from '../atmos/types.ts';
import { debug } from '../log.ts';
import { paths } from '../paths.ts';
import { ensurePrivateDir, readPrivateFile, removePrivateFile, writePrivateFile } from '../util/secure-file.ts';
import { sha256Hex } from '../util/sha256.ts';
import type { AwsCredentials } from './types.ts';

/** Reuse cached credentials while at least this many seconds remain (15 minutes). */
export const DEFAULT_MIN_TTL = 900;

/** The minimum remaining lifetime in seconds: ATMOS_AUTH_MIN_TTL when it is a whole number, else 900. */
export function minTtlSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.ATMOS_AUTH_MIN_TTL;
  if (raw === undefined || raw === '') return DEFAULT_MIN_TTL;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    debug(`ignoring ATMOS_AUTH_MIN_TTL=${JSON.stringify(raw)}: not a whole number of seconds`);
    return DEFAULT_MIN_TTL;
  }
  return n;
}

/** Directory of the credential files. */
export function credentialsDir(): string {
  return join(paths.cache, 'credentials');
}

/** The fields of a hop that decide which credentials it yields (never a display-only field). */
function hopMaterial(h: ChainHop): unknown[] {
  switch (h.kind) {
    case 'aws/iam-identity-center':
      return [h.kind, h.name.toLowerCase(), h.startUrl, h.region];
    case 'github/oidc':
      return [h.kind, h.name.toLowerCase(), h.audience, h.region ?? ''];
    case 'aws/saml':
      return [h.kind, h.name.toLowerCase(), h.url ?? '', h.region ?? ''];
    case 'aws/permission-set':
      return [h.kind, h.name.toLowerCase(), h.permissionSet, h.account.id ?? '', h.account.name ?? '', h.sessionDuration ?? 0];
    case 'aws/assume-role':
      return [h.kind, h.name.toLowerCase(), h.roleArn, h.externalId ?? '', h.sessionName ?? '', h.duration ?? 0, h.region ?? ''];
    case 'aws/user':
      // Keys from YAML name the IAM user: another access key id is another principal (never the secret).
      return [h.kind, h.name.toLowerCase(), h.mfaArn ?? '', h.sessionDuration ?? 0, h.region ?? '', ...(h.yamlKeys ? [h.yamlKeys.accessKeyId] : [])];
    case 'aws/assume-root':
      return [h.kind, h.name.toLowerCase(), h.targetPrincipal, h.taskPolicyArn, h.duration ?? 0, h.region ?? ''];
    case 'aws/ambient':
      return [h.kind, h.name.toLowerCase(), h.region ?? ''];
    case 'ambient':
      return [h.kind, h.name.toLowerCase()];
    case 'unsupported':
      return [h.kind, h.name.toLowerCase(), h.declaredKind, h.role];
  }
}

/** Cache key of a chain (root provider first) for the given profiles: a sha256 hex digest. */
export function chainKey(chain: readonly ChainHop[], profiles: readonly string[]): string {
  const material = JSON.stringify({ v: 1, profiles: [...profiles], hops: chain.map(hopMaterial) });
  // Same digest as node:crypto's sha256 (the hot path does not load crypto: see sha256.ts).
  return sha256Hex(material).slice(0, 40);
}

/** One cache file. `chain` is the identity chain it was fetched for (no secrets in it). */
export interface CacheEntry {
  key: string;
  identity: string;
  profiles: string[];
  chain: ChainHop[];
  credentials: AwsCredentials;
  /** When it was written, for status. */
  createdAt: Date;
}

function fileFor(key: string): string {
  if (!/^[0-9a-f]{40}$/.test(key)) throw new Error(`bad cache key ${key}`);
  return join(credentialsDir(), `${key}.json`);
}

/** The longest-lived temporary AWS credentials (GetSessionToken, 36 hours), plus an hour of clock skew. */
const MAX_SESSION_MS = 37 * 3600_000;

const isStr = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/** Parses a cache file; null (with the reason) when it is not a complete, well-typed entry. */
function parseEntry(key: string, text: string): CacheEntry | string {
  if (text.trim() === '') return 'empty file';
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return 'not valid JSON (truncated?)';
  }
  if (typeof raw !== 'object' || raw === null) return 'not an object';
  const o = raw as Record<string, unknown>;
  const c = o.credentials as Record<string, unknown> | undefined;
  if (o.version !== 1) return 'unknown version';
  if (!isStr(o.identity) || !Array.isArray(o.profiles) || !Array.isArray(o.chain)) return 'wrong types';
  if (typeof c !== 'object' || c === null || !isStr(c.accessKeyId) || !isStr(c.secretAccessKey)) return 'wrong credential types';
  if (c.sessionToken !== undefined && !isStr(c.sessionToken)) return 'wrong session token type';
  let expiration: Date | undefined;
  if (c.expiration !== undefined) {
    if (!isStr(c.expiration)) return 'wrong expiration type';
    expiration = new Date(c.expiration);
    if (Number.isNaN(expiration.getTime())) return 'unparsable expiration';
    // No AWS session lasts longer (GetSessionToken: 36 h): such a date comes from a wrong clock or damage.
    if (expiration.getTime() - Date.now() > MAX_SESSION_MS) return 'expiration implausibly far ahead (clock wrong when written?)';
  }
  const createdAt = new Date(isStr(o.createdAt) ? o.createdAt : 0);
  const credentials: AwsCredentials = { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey };
  if (c.sessionToken) credentials.sessionToken = c.sessionToken;
  if (expiration) credentials.expiration = expiration;
  return { key, identity: o.identity, profiles: o.profiles.map(String), chain: o.chain as ChainHop[], credentials, createdAt };
}

/**
 * The cached entry for `key`, or null when absent or corrupted (a corrupted file is a miss: the
 * next write replaces it). An unsafe file (symlink, foreign owner, open mode) throws
 * InsecureFileError, which tells the user what to remove.
 */
export function readCached(key: string): CacheEntry | null {
  const dir = credentialsDir();
  ensurePrivateDir(dir);
  const text = readPrivateFile(fileFor(key));
  if (text === null) return null;
  const e = parseEntry(key, text);
  if (typeof e === 'string') {
    debug(`credentials cache ${key}: ignoring corrupted file (${e}); it will be replaced`);
    return null;
  }
  return e;
}

/** Seconds of validity left (Infinity for credentials that do not expire). */
export function secondsLeft(c: AwsCredentials, now: number = Date.now()): number {
  return c.expiration ? Math.floor((c.expiration.getTime() - now) / 1000) : Infinity;
}

/** True when the credentials have at least `minTtl` seconds left. */
export function isFresh(c: AwsCredentials, minTtl: number, now: number = Date.now()): boolean {
  return secondsLeft(c, now) >= minTtl;
}

/** Writes (atomically, 0600) the entry for `key`. */
export async function writeCached(key: string, entry: Omit<CacheEntry, 'key' | 'createdAt'>): Promise<void> {
  const c = entry.credentials;
  const body = {
    version: 1,
    identity: entry.identity,
    profiles: entry.profiles,
    chain: entry.chain,
    createdAt: new Date().toISOString(),
    credentials: {
      accessKeyId: c.accessKeyId,
      secretAccessKey: c.secretAccessKey,
      ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}),
      ...(c.expiration ? { expiration: c.expiration.toISOString() } : {}),
    },
  };
  await writePrivateFile(fileFor(key), `${JSON.stringify(body)}\n`);
}

/** Removes the entry for `key`; true when there was one. */
export function removeCached(key: string): boolean {
  return removePrivateFile(fileFor(key));
}

/** Every readable entry (corrupted or unsafe files are skipped with a debug line). */
export function listCached(): CacheEntry[] {
  const dir = credentialsDir();
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: CacheEntry[] = [];
  for (const n of names.sort()) {
    const m = /^([0-9a-f]{40})\.json$/.exec(n);
    if (!m) continue;
    try {
      const e = readCached(m[1]!);
      if (e) out.push(e);
    } catch (err) {
      debug(`credentials cache ${n}: skipped (${(err as Error).message})`);
    }
  }
  return out;
}
