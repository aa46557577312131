/**
 * Remembers what a directory resolved to, so a `cd` into a known stack directory parses no YAML.
 * As mise's hook-env does: an entry is valid while every file that went into it keeps its mtime,
 * size and inode, every directory whose listing mattered keeps its mtime (or stays absent), and
 * every environment variable the engine read keeps its value. Variables are recorded by handing
 * the engine an environment that notes each read, so `!env` tags and ATMOS_* settings are covered
 * without a list to keep in sync.
 */
import { statSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import { debug } from '../log.ts';
import { paths } from '../paths.ts';
import { nameHash } from '../util/name-hash.ts';
import { readPrivateFile, removePrivateFile, writePrivateFileSync } from '../util/secure-file.ts';
import type { Resolution } from './types.ts';
import { route } from '../util/hot-state.ts';

// 3: default-identity rules of the conformance work (stack `default: false` demotes a config
// default, `enabled:` is no field), identities' env:, aws/user keys and session durations,
// assume-role durations as Atmos reads them, integrations: answers cached before are recomputed.
const VERSION = 3;

/** What a file or directory looked like: mtime:size:ino, or '-' when absent. */
type Signature = string;

interface Entry {
  v: number;
  /** The key (entryKey) it was stored under: the file name is a fast hash of it. */
  key: string;
  resolution: Resolution;
  files: Record<string, Signature>;
  dirs: Record<string, Signature>;
  /** Paths that must stay absent. */
  absent?: string[];
  /** Environment variables read while resolving; null: was unset. */
  env: Record<string, string | null>;
}

/** Inputs that select a cache entry (each cached separately, so switching profile does not thrash). */
export interface CacheKeyInput {
  dir: string;
  profile?: string | undefined;
  env: NodeJS.ProcessEnv;
}

// throwIfNoEntry: most checked paths are expected to be absent (`absent` lists a dozen or more),
// and an ENOENT exception (built with its message and stack) costs more than the stat itself.
function signature(p: string): Signature {
  try {
    const st = statSync(p, { throwIfNoEntry: false });
    return st ? `${st.mtimeMs}:${st.size}:${st.ino}` : '-';
  } catch {
    return '-';
  }
}

function dirSignature(p: string): Signature {
  try {
    const st = statSync(p, { throwIfNoEntry: false });
    return st ? String(st.mtimeMs) : '-';
  } catch {
    return '-';
  }
}

function exists(p: string): boolean {
  try {
    return statSync(p, { throwIfNoEntry: false }) !== undefined;
  } catch {
    return false;
  }
}

/** What selects an entry: the directory, the profile flag and the ATMOS_* inputs. */
function entryKey(k: CacheKeyInput): string {
  const e = k.env;
  return JSON.stringify([VERSION, k.dir, k.profile ?? null, e.ATMOS_PROFILE ?? null, e.ATMOS_IDENTITY ?? null, e.ATMOS_CLI_CONFIG_PATH ?? null, e.ATMOS_BASE_PATH ?? null]);
}

function entryPath(key: string, cacheDir: string): string {
  // The entry stores its key and readResolution checks it: a fast hash names the file (a
  // collision is a miss), sha256 in the interpreter costs 50 us of every warm `cd`.
  return join(cacheDir, 'resolve', `${nameHash(key)}.json`);
}

/** An environment that records every variable read from it into `seen`. */
export function recordingEnv(env: NodeJS.ProcessEnv, seen: Map<string, string | null>): NodeJS.ProcessEnv {
  return new Proxy(env, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof prop === 'string') seen.set(prop, typeof v === 'string' ? v : null);
      return v;
    },
    has(target, prop) {
      const v = Reflect.has(target, prop);
      if (typeof prop === 'string' && !seen.has(prop)) seen.set(prop, typeof target[prop] === 'string' ? target[prop] : null);
      return v;
    },
  });
}

/** The cached Resolution for these inputs when still valid; null otherwise. Never throws. */
export function readResolution(k: CacheKeyInput, cacheDir: string = paths.cache): Resolution | null {
  let entry: Entry;
  const key = entryKey(k);
  try {
    const text = readPrivateFile(entryPath(key, cacheDir));
    if (text === null) return null;
    entry = JSON.parse(text) as Entry;
  } catch (err) {
    debug(`resolution cache: unreadable entry ignored (${(err as Error).message})`);
    return null;
  }
  if (entry?.v !== VERSION || entry.key !== key || !isResolution(entry.resolution) || !isStringMap(entry.files) || !isStringMap(entry.dirs) || !isObject(entry.env)) {
    debug('resolution cache: malformed entry ignored');
    return null;
  }
  for (const [name, value] of Object.entries(entry.env)) {
    if ((k.env[name] ?? null) !== value) return stale(`environment variable ${name} changed`);
  }
  for (const [p, sig] of Object.entries(entry.files)) {
    if (signature(p) !== sig) return stale(`${p} changed`);
  }
  for (const [p, sig] of Object.entries(entry.dirs)) {
    if (dirSignature(p) !== sig) return stale(`directory ${p} changed`);
  }
  for (const p of entry.absent ?? []) {
    if (exists(p)) return stale(`${p} appeared`);
  }
  debug(`resolution cache: hit for ${k.dir}`);
  return entry.resolution;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
const isStringMap = (v: unknown): v is Record<string, string> => isObject(v) && Object.values(v).every((x) => typeof x === 'string');
const strOrNull = (v: unknown) => v === null || typeof v === 'string';

/** The shape a stored Resolution must have: a damaged entry is a miss, never a crash further on. */
function isResolution(v: unknown): v is Resolution {
  if (!isObject(v)) return false;
  return strOrNull(v.root) && strOrNull(v.identity) && strOrNull(v.region) && isStrings(v.profiles) && isStrings(v.stacks) &&
    isStrings(v.files) && isStrings(v.dirs) && (v.absent === undefined || isStrings(v.absent)) &&
    Array.isArray(v.chain) && v.chain.every((h) => isObject(h) && typeof h.kind === 'string' && typeof h.name === 'string') &&
    (v.env === undefined || (Array.isArray(v.env) && v.env.every((e) => isObject(e) && typeof e.key === 'string' && typeof e.value === 'string')));
}

function stale(why: string): null {
  debug(`resolution cache: stale, ${why}`);
  return null;
}

/**
 * Stores `resolution`. `seenEnv` is what the engine read (see recordingEnv). Skipped when a file
 * changed within the last two seconds: its mtime may not tell a write that lands in the same tick
 * (git's "racy clean" problem), and a wrong hit would be worse than one more parse.
 */
export function writeResolution(k: CacheKeyInput, resolution: Resolution, seenEnv: Map<string, string | null>, cacheDir: string = paths.cache): void {
  const now = Date.now();
  const files: Record<string, Signature> = {};
  for (const p of resolution.files) {
    const sig = signature(p);
    const mtime = Number(sig.split(':')[0]);
    if (sig === '-' || now - mtime < 2000) {
      debug(`resolution cache: not stored, ${p} is ${sig === '-' ? 'gone' : 'too fresh'}`);
      return;
    }
    files[p] = sig;
  }
  const dirs: Record<string, Signature> = {};
  for (const p of resolution.dirs) {
    const sig = dirSignature(p);
    if (sig !== '-' && now - Number(sig) < 2000) {
      debug(`resolution cache: not stored, directory ${p} is too fresh`);
      return;
    }
    dirs[p] = sig;
  }
  const key = entryKey(k);
  const entry: Entry = { v: VERSION, key, resolution, files, dirs, absent: resolution.absent ?? [], env: Object.fromEntries(seenEnv) };
  try {
    // No fsync: a disposable cache (the rename keeps it whole; a crash only costs one more parse),
    // and an fsync costs more than the rest of a first `cd`.
    writePrivateFileSync(entryPath(key, cacheDir), JSON.stringify(entry), { fsync: false });
  } catch (err) {
    // A cache that cannot be written only costs speed.
    debug(`resolution cache: not stored (${(err as Error).message})`);
  }
}

/** Options of resolveDirectoryCached (as resolveDirectory's). */
export interface CachedResolveOptions {
  dir: string;
  profile?: string | undefined;
  env?: NodeJS.ProcessEnv;
  cacheDir?: string;
  /**
   * Called on a miss, before any YAML is read; may throw to stop there (the hook's trust check,
   * src/trust/trust.ts admitHook: a repository that is not allowed is never read).
   */
  beforeParse?: (() => void) | undefined;
}

/**
 * resolveDirectory behind the cache: a hit costs a JSON read and a few stat calls; only a miss
 * loads the YAML engine (a dynamic import, so the hot path never parses it), and a miss re-parses
 * only the YAML files that changed (the parse cache in the same directory). Errors are not cached.
 */
export async function resolveDirectoryCached(opts: CachedResolveOptions): Promise<Resolution> {
  const env = opts.env ?? process.env;
  const k: CacheKeyInput = { dir: resolvePath(opts.dir), profile: opts.profile, env };
  const cacheDir = opts.cacheDir ?? paths.cache;
  const hit = readResolution(k, cacheDir);
  if (hit) return hit;
  opts.beforeParse?.();
  route.push('resolve');
  const seen = new Map<string, string | null>();
  // Within the resolution deadline: whatever the repository holds, the hook's run ends.
  const { resolveDirectoryWithin: resolveDirectory } = await import('./resolve.ts');
  const base = { dir: k.dir, ...(opts.profile ? { profile: opts.profile } : {}) };
  let r: Resolution;
  try {
    r = resolveDirectory({ ...base, env: recordingEnv(env, seen), parseCacheDir: cacheDir });
  } catch (err) {
    // Out of time (deadline.ts ResolveTimeoutError, duck-typed: this module is on the warm path):
    // a second try would only double the wait.
    if ((err as { resolveTimeout?: unknown }).resolveTimeout === true) throw err;
    // A damaged parse cache entry (valid JSON, wrong tree) must not pass for the user's mistake:
    // errors are confirmed from the files themselves, and entries that disagree are dropped.
    debug(`resolve failed with the parse cache (${(err as Error).message}): trying again without it`);
    seen.clear();
    r = resolveDirectory({ ...base, env: recordingEnv(env, seen) });
    debug('resolve succeeded without the parse cache: dropping its entries for these files');
    const { entryPathOf } = await import('./parse-cache.ts');
    for (const f of r.files) {
      try {
        removePrivateFile(entryPathOf(f, cacheDir));
      } catch {
        // Already gone, or unremovable: the next write replaces it.
      }
    }
  }
  writeResolution(k, r, seen, cacheDir);
  return r;
}
