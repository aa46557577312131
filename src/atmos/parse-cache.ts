/**
 * Parsed YAML files kept across runs, so the first `cd` after one manifest changed parses that
 * manifest and not the big profile files next to it. One JSON file per YAML file under
 * `<cache>/yaml/<hash of path>.json` (the entry names its file: a hash collision is a miss), valid while the file keeps its mtime, size and inode. What
 * is stored is the raw tree (tags as markers, before evaluation): `!env` and `!repo-root` are
 * evaluated on every load, so a changed environment is always seen.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { debug } from '../log.ts';
import { readPrivateFile, writePrivateFileSync } from '../util/secure-file.ts';
import { nameHash } from '../util/name-hash.ts';
import { readRepoFile } from './repo-files.ts';
import { evaluate, parseRaw, type TagContext } from './yaml.ts';

const VERSION = 2;

/** A file written within this many ms may change again in the same mtime tick (git's "racy clean"). */
const RACY_MS = 2000;

interface Entry {
  v: number;
  file: string;
  sig: string;
  tree: unknown;
}

/**
 * mtime:size:ino of a regular file, and its mtime; null when it cannot be stat'ed or is no regular
 * file (then `read` says why). A hit needs no confinement check of its own: entries are written
 * only after a confined read, and a link pointed elsewhere changes the signature (stat follows it).
 */
function stat(file: string): { sig: string; mtimeMs: number } | null {
  try {
    const st = statSync(file);
    if (!st.isFile()) return null;
    return { sig: `${st.mtimeMs}:${st.size}:${st.ino}`, mtimeMs: st.mtimeMs };
  } catch {
    return null;
  }
}

/** Where the entry of `file` lives. */
export function entryPathOf(file: string, cacheDir: string): string {
  // The entry stores its file name and readEntry checks it, so a fast hash will do.
  return join(cacheDir, 'yaml', `${nameHash(file)}.json`);
}

/** The cached raw tree of `file` when its signature still matches; undefined otherwise. Never throws. */
function readEntry(file: string, sig: string, cacheDir: string): unknown {
  try {
    const text = readPrivateFile(entryPathOf(file, cacheDir));
    if (text === null) return undefined;
    const e = JSON.parse(text) as Entry;
    if (e?.v !== VERSION || e.file !== file || e.sig !== sig || !('tree' in e)) {
      debug(`parse cache: stale entry for ${file}`);
      return undefined;
    }
    return e.tree;
  } catch (err) {
    debug(`parse cache: unreadable entry for ${file} ignored (${(err as Error).message})`);
    return undefined;
  }
}

/** Thrown out of JSON.stringify to stop serialising a tree that aliases blow up. */
const TOO_BIG = new Error('parse cache: tree larger than its text');

/**
 * Serialises a raw tree, or null when JSON would not give it back unchanged (NaN, Infinity, -0)
 * or when it has many more values than a text of `size` bytes can write: JSON expands
 * every alias, so a few hundred bytes of nested `*a` would otherwise serialise for ever.
 */
function toJson(tree: unknown, size: number): string | null {
  let exact = true;
  // Merge keys (`<<: *base`) copy keys legitimately: 16 values per byte is far above any real file.
  let budget = size * 16 + 1024;
  let text: string | undefined;
  try {
    text = JSON.stringify(tree, (_k, v: unknown) => {
      if (--budget < 0) throw TOO_BIG;
      if (typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0))) exact = false;
      return v;
    });
  } catch (err) {
    if (err === TOO_BIG) return null;
    throw err;
  }
  return exact && text !== undefined ? text : null;
}

function writeEntry(file: string, sig: string, tree: unknown, cacheDir: string, size: number): void {
  try {
    const json = toJson(tree, size);
    if (json === null) {
      debug(`parse cache: ${file} not stored (a value JSON cannot hold)`);
      return;
    }
    // No fsync: an entry lost or cut short by a crash is unreadable JSON, i.e. a miss.
    writePrivateFileSync(entryPathOf(file, cacheDir), `{"v":${VERSION},"file":${JSON.stringify(file)},"sig":${JSON.stringify(sig)},"tree":${json}}`, { fsync: false });
  } catch (err) {
    // A cache that cannot be written only costs speed (a recursive alias cannot be stored either).
    debug(`parse cache: ${file} not stored (${(err as Error).message})`);
  }
}

/**
 * Reads and parses a YAML file as readYamlFile does, through the cache in `cacheDir`.
 * Errors (unreadable file, bad YAML) are thrown as ConfigErrors and never cached. `read` reads the
 * file on a miss (the Reader passes readRepoFile with its confinement).
 */
export function readYamlFileCached(file: string, ctx: TagContext, cacheDir: string, now: number = Date.now(), read: (file: string) => string = readRepoFile): unknown {
  const before = stat(file);
  if (before) {
    const tree = readEntry(file, before.sig, cacheDir);
    if (tree !== undefined) {
      debug(`parse cache: hit for ${file}`);
      return evaluate(tree, file, ctx);
    }
  }
  const text = read(file);
  const raw = parseRaw(text, file);
  if (before && now - before.mtimeMs >= RACY_MS) {
    // Stored only when the file did not change while it was read.
    if (stat(file)?.sig === before.sig) writeEntry(file, before.sig, raw, cacheDir, text.length);
  } else if (before) {
    debug(`parse cache: ${file} not stored, changed within ${RACY_MS} ms`);
  }
  return evaluate(raw, file, ctx, text);
}
