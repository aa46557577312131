/**
 * Where allow records live and what they hold. One file per repository,
 * `<config>/trust/<nameHash(root)>.json` (0600 in a 0700 directory, atomic writes, changed under
 * the `trust` lock), so the hook reads only the record of the repository it is in, whatever the
 * size of the others (a record lists every account and role its profiles reach). The file names
 * its root and a record for another root is no record: a hash collision can only refuse, never
 * allow.
 *
 * Version 1 (before accounts and roles were pinned) was one file, `<config>/trust.json`. Its
 * records are not trusted any more (fail closed): legacyAllowed() lets the refusal say why, and
 * `allow` and `deny` remove the old entry.
 *
 * On the warm path of `export`: one small JSON read; no YAML, no SDK, no lock.
 */
import { readdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import type { ChainHop } from '../atmos/types.ts';
import { debug } from '../log.ts';
import { paths } from '../paths.ts';
import { nameHash } from '../util/name-hash.ts';
import { readPrivateFile, removePrivateFile, writePrivateFile } from '../util/secure-file.ts';

/** One pinned root of an identity chain: its kind, name and endpoint-like values. */
export interface Pin {
  kind: ChainHop['kind'];
  /** Provider (or aws/user identity) name as written. */
  name: string;
  /** Field -> value, e.g. start_url, region (absent values are ''). */
  values: Record<string, string>;
}

/** start URL -> account name (lower case) -> account id. */
export type AccountIds = Record<string, Record<string, string>>;

/** The allow record of one repository. */
export interface TrustRecord {
  /** The repository root (real path). */
  root: string;
  allowedAt: string;
  /** Chain roots: sign-in endpoints (trust.ts, PINNED_FIELDS). */
  pins: Pin[];
  /** Every target (targets.ts: targetKey) an identity of any profile reaches, sorted. */
  targets: string[];
  /** Identity name (lower case) -> indexes into `targets` of what its own hop reaches (for messages). */
  identities: Record<string, number[]>;
  /** Account names resolved through SSO since the allow: the first answer is pinned. */
  accounts: AccountIds;
  /** Answers that differed from `accounts` (the hook stopped): the next allow shows and accepts them. */
  pendingAccounts: AccountIds;
}

const VERSION = 2;

/** Directory of the records. */
export function trustDir(): string {
  return join(paths.config, 'trust');
}

/** The version 1 file (one for every repository). */
export function legacyTrustFile(): string {
  return join(paths.config, 'trust.json');
}

/** The key of a repository root: its real path (a symlinked checkout is the same repository). */
export function repoKey(root: string): string {
  try {
    return realpathSync.native(root);
  } catch {
    return root;
  }
}

/** The record file of the repository whose key is `key`. */
export function recordFile(key: string): string {
  return join(trustDir(), `${nameHash(key)}.json`);
}

/** `o[k]` when `k` is an own key: names come from YAML, and `constructor` is a fine identity name. */
export function own<T>(o: Record<string, T>, k: string): T | undefined {
  return Object.hasOwn(o, k) ? o[k] : undefined;
}

/** An empty map without a prototype (keys from YAML, `__proto__` included, stay data). */
export function dict<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

function parsePin(v: unknown): Pin | null {
  if (!isObj(v) || typeof v.kind !== 'string' || typeof v.name !== 'string' || !isObj(v.values)) return null;
  const values: Record<string, string> = {};
  for (const [k, x] of Object.entries(v.values)) if (typeof x === 'string') values[k] = x;
  return { kind: v.kind as ChainHop['kind'], name: v.name, values };
}

function parseAccounts(v: unknown): AccountIds {
  const out: AccountIds = dict();
  if (!isObj(v)) return out;
  for (const [url, names] of Object.entries(v)) {
    if (!isObj(names)) continue;
    const m: Record<string, string> = dict();
    for (const [n, id] of Object.entries(names)) if (typeof id === 'string') m[n] = id;
    out[url] = m;
  }
  return out;
}

/** A record from its file's text; null when it is not a version 2 record of `key` (fail closed). */
export function parseRecord(text: string, key: string | null): TrustRecord | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObj(raw) || raw.version !== VERSION || typeof raw.root !== 'string' || (key !== null && raw.root !== key)) return null;
  if (!Array.isArray(raw.pins) || !isStrings(raw.targets) || !isObj(raw.identities)) return null;
  const identities: Record<string, number[]> = dict();
  for (const [id, ix] of Object.entries(raw.identities)) {
    if (Array.isArray(ix)) identities[id] = ix.filter((i): i is number => Number.isInteger(i));
  }
  return {
    root: raw.root,
    allowedAt: typeof raw.allowedAt === 'string' ? raw.allowedAt : '',
    pins: raw.pins.map(parsePin).filter((p): p is Pin => p !== null),
    targets: raw.targets,
    identities,
    accounts: parseAccounts(raw.accounts),
    pendingAccounts: parseAccounts(raw.pendingAccounts),
  };
}

/**
 * The record of the repository at `root` (any path of it: the key is its real path), or null.
 * A damaged record is none (fail closed); an unsafe file (open to others, foreign, a symlink)
 * throws InsecureFileError.
 */
export function readRecord(root: string): TrustRecord | null {
  const key = repoKey(root);
  const file = recordFile(key);
  const text = readPrivateFile(file);
  if (text === null) return null;
  const rec = parseRecord(text, key);
  if (!rec) debug(`trust: ${file} is not a record of ${key}: treating the repository as not allowed`);
  return rec;
}

/** Writes a record (atomically, 0600). Callers hold the trust lock. */
export async function writeRecord(rec: TrustRecord): Promise<void> {
  await writePrivateFile(recordFile(rec.root), `${JSON.stringify({ version: VERSION, ...rec })}\n`);
}

/** Removes the record of `key`; true when there was one. Callers hold the trust lock. */
export function removeRecord(key: string): boolean {
  const file = recordFile(key);
  const text = readPrivateFile(file);
  if (text === null || parseRecord(text, key) === null) return false;
  return removePrivateFile(file);
}

/** Every record (for `allowed`). */
export function readAllRecords(): TrustRecord[] {
  let names: string[];
  try {
    names = readdirSync(trustDir()).filter((n) => /^[0-9a-f]{16}\.json$/.test(n));
  } catch {
    return [];
  }
  const out: TrustRecord[] = [];
  for (const n of names) {
    const text = readPrivateFile(join(trustDir(), n));
    const rec = text === null ? null : parseRecord(text, null);
    if (rec && recordFile(rec.root) === join(trustDir(), n)) out.push(rec);
  }
  return out.sort((a, b) => a.root.localeCompare(b.root));
}

/** The roots version 1 allowed (`<config>/trust.json`); they need a new allow. */
export function legacyAllowed(): string[] {
  let text: string | null;
  try {
    text = readPrivateFile(legacyTrustFile());
  } catch {
    return [];
  }
  if (text === null) return [];
  try {
    const raw = JSON.parse(text) as unknown;
    return isObj(raw) && raw.version === 1 && isObj(raw.repos) ? Object.keys(raw.repos).sort() : [];
  } catch {
    return [];
  }
}

/** Drops `key` from the version 1 file (deleting the file once empty). Callers hold the trust lock. */
export async function forgetLegacy(key: string): Promise<boolean> {
  const text = readPrivateFile(legacyTrustFile());
  if (text === null) return false;
  let raw: { version?: unknown; repos?: Record<string, unknown> };
  try {
    raw = JSON.parse(text) as typeof raw;
  } catch {
    return false;
  }
  if (!isObj(raw) || !isObj(raw.repos) || !(key in raw.repos)) return false;
  delete raw.repos[key];
  if (Object.keys(raw.repos).length === 0) removePrivateFile(legacyTrustFile());
  else await writePrivateFile(legacyTrustFile(), `${JSON.stringify(raw, null, 2)}\n`);
  return true;
}
