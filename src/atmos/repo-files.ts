/**
 * Every read of a repository file and every directory walk of the engine goes through here, so
 * nothing a repository holds can stall or balloon a run (the hook runs on every `cd`, in
 * repositories that were never allowed: resolution comes before the trust check).
 *
 * - Only regular files are read. A FIFO, a character device (/dev/zero, a terminal), a socket is
 *   refused with a ConfigError naming it, before it is opened (opening some devices has effects),
 *   and again on the opened descriptor (opened O_NONBLOCK|O_NOCTTY, so a FIFO swapped in between
 *   cannot block the open or become our terminal).
 * - At most MAX_FILE_BYTES per file, and never more than that many bytes are read (a file growing
 *   while read cannot defeat the limit).
 * - Symlinks are followed, as Atmos does (its import and stack globs are doublestar over os.DirFS,
 *   which stats through links: pkg/utils/glob_utils.go:44-69; manifests are read with os.ReadFile,
 *   internal/exec/stack_processor_cache.go:354-376, atmos.yaml too, pkg/config/load.go:1223),
 *   but only while the real path stays within a directory the configuration named (Confinement).
 *   Atmos has no such rule (and no regular-file or size check: a manifest linked to /dev/zero
 *   makes Atmos read forever too); we diverge there, because a committed link could otherwise
 *   make every `cd` read any file of the user or a device.
 * - Directory walks never enter the same real directory twice, so a symlink loop ends.
 */
import { closeSync, constants, fstatSync, openSync, readlinkSync, readSync, realpathSync, statSync, type Stats } from 'node:fs';
import { join, relative, resolve as resolvePath, sep } from 'node:path';
import picomatch from 'picomatch';
import { ConfigError } from '../errors.ts';
import { checkpoint } from './deadline.ts';
import { isWithin, listDir, type Trace } from './fsutil.ts';

/**
 * Largest file read, in bytes. The biggest real inputs are profile files: the bench's
 * 10,000-manifest repository has a 177 KB one; 8 MiB is ~45x that, while a file of that size
 * still parses in well under the resolution deadline.
 */
export const MAX_FILE_BYTES = 8 * 1024 * 1024;

/** What a non-regular file is, for messages. */
function kindOf(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isDirectory()) return 'a directory';
  return 'not a file';
}

function refuse(file: string, st: Stats): never {
  throw new ConfigError(`not a regular file (${kindOf(st)}): atmos-auth reads only regular files`, { file }, { hint: 'replace it with a regular file, or remove it' });
}

function tooLarge(file: string, size: number | string): never {
  throw new ConfigError(`too large (${size} bytes): atmos-auth reads files of at most ${MAX_FILE_BYTES} bytes (8 MiB)`, { file }, { hint: 'split it, or check that it is the file you meant' });
}

function cannotRead(file: string, err: unknown): never {
  throw new ConfigError(`cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { file }, { cause: err });
}

function leaves(path: string, target: string): never {
  throw new ConfigError(`symlink leaves the repository (to ${target}): atmos-auth does not follow it`, { file: path }, {
    hint: 'replace the link with the file itself, or point it inside the repository',
  });
}

/** The real path of `p`, or `p` made absolute when it cannot be resolved (absent). */
export function realPath(p: string): string {
  try {
    return realpathSync.native(p);
  } catch {
    return resolvePath(p);
  }
}

/**
 * The directories a run may read from: those the discovery or the configuration named (config
 * dirs, profile locations, base path, stacks dir), by real path. A symlink whose target leaves all
 * of them is not followed.
 */
export class Confinement {
  private readonly roots: string[] = [];

  /** Allows everything under `dir` (by its real path). */
  add(dir: string): void {
    const r = realPath(dir);
    if (!this.roots.some((x) => isWithin(r, x))) this.roots.push(r);
  }

  /** True when `real` (a real path) lies within a root. */
  allows(real: string): boolean {
    return this.roots.some((x) => isWithin(real, x));
  }

  /**
   * Throws a ConfigError when `path`'s real path leaves every root; returns the real path. Fails
   * closed: a path whose real path cannot be worked out (a link through /dev/stdin to a pipe
   * resolves to `pipe:[N]`, which is no path) is refused as well.
   */
  check(path: string): string {
    let real: string;
    try {
      real = realpathSync.native(path);
    } catch (err) {
      let target = (err as NodeJS.ErrnoException).code ?? String(err);
      try { target = readlinkSync(path); } catch { /* not a link: the error code says it */ }
      leaves(path, target);
    }
    if (!this.allows(real)) leaves(path, real);
    return real;
  }
}

/**
 * The text of a repository file: a regular file of at most MAX_FILE_BYTES, within `confine` when
 * given. ConfigError (naming the file) otherwise; never blocks on a FIFO or device.
 */
export function readRepoFile(file: string, confine?: Confinement): string {
  checkpoint(file);
  if (confine) confine.check(file);
  let st: Stats;
  try {
    st = statSync(file);
  } catch (err) {
    cannotRead(file, err);
  }
  if (!st.isFile()) refuse(file, st);
  if (st.size > MAX_FILE_BYTES) tooLarge(file, st.size);
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    cannotRead(file, err);
  }
  try {
    const fst = fstatSync(fd);
    if (!fst.isFile()) refuse(file, fst);
    if (fst.size > MAX_FILE_BYTES) tooLarge(file, fst.size);
    // One byte more than expected, so growth is noticed; the buffer grows up to the limit + 1.
    let buf = Buffer.allocUnsafe(fst.size + 1);
    let n = 0;
    for (;;) {
      if (n === buf.length) {
        if (buf.length > MAX_FILE_BYTES) tooLarge(file, `more than ${MAX_FILE_BYTES}`);
        const bigger = Buffer.allocUnsafe(Math.min(buf.length * 2, MAX_FILE_BYTES + 1));
        buf.copy(bigger, 0, 0, n);
        buf = bigger;
      }
      let r: number;
      try {
        r = readSync(fd, buf, n, buf.length - n, null);
      } catch (err) {
        cannotRead(file, err);
      }
      if (r === 0) break;
      n += r;
    }
    return buf.toString('utf8', 0, n);
  } finally {
    closeSync(fd);
  }
}

/** True when `p` exists and is not a directory (a candidate file: readRepoFile decides). */
export function isFileLike(p: string): boolean {
  try {
    const st = statSync(p, { throwIfNoEntry: false });
    return st !== undefined && !st.isDirectory();
  } catch {
    return false; // ELOOP, EACCES: as absent
  }
}

/** Options of walkTree. */
export interface WalkOptions {
  trace: Trace;
  confine?: Confinement | undefined;
  /** Deepest directory level entered (0: `start` only). Default: no limit. */
  maxDepth?: number;
  /** Directory names not entered. */
  skipDirs?: ReadonlySet<string>;
  /** Called for every entry that exists and is not a directory (regular or not: reading decides). */
  onFile: (path: string, depth: number) => void;
}

/**
 * Walks `start` recursively. Directory symlinks are followed when their target stays within the
 * confinement (else ConfigError) and has not been walked already (a loop ends there). Dangling
 * links are skipped, as a missing file.
 */
export function walkTree(start: string, o: WalkOptions): void {
  const visited = new Set<string>();
  const maxDepth = o.maxDepth ?? Infinity;
  const walk = (d: string, real: string, depth: number) => {
    if (visited.has(real)) return;
    visited.add(real);
    checkpoint(d);
    o.trace.dir(d);
    for (const e of listDir(d)) {
      const p = join(d, e.name);
      let isDirectory = e.isDirectory();
      if (e.isSymbolicLink()) {
        let st: Stats | undefined;
        try {
          st = statSync(p, { throwIfNoEntry: false });
        } catch {
          st = undefined; // a link loop (ELOOP) or unreadable: as absent
        }
        if (!st) continue;
        isDirectory = st.isDirectory();
      }
      if (!isDirectory) {
        o.onFile(p, depth);
        continue;
      }
      if (depth >= maxDepth || o.skipDirs?.has(e.name)) continue;
      let dirReal = real + sep + e.name;
      if (e.isSymbolicLink()) {
        // Checked only when entered: a link beside the walk (an ancestor's listing) is no error.
        dirReal = o.confine ? o.confine.check(p) : realPath(p);
        // A link to this directory or one of its ancestors is a loop: Atmos's doublestar would
        // walk it until the path is too long; it adds nothing, so it is not entered.
        if (isWithin(real, dirReal)) continue;
      }
      walk(p, dirReal, depth + 1);
    }
  };
  walk(start, realPath(start), 0);
}

/**
 * The files matching an absolute glob `pattern` (doublestar syntax, dot files included), sorted:
 * the walk starts at the pattern's directory part without glob characters and goes only as deep
 * as the pattern can match.
 */
export function globFiles(pattern: string, o: { trace: Trace; confine?: Confinement | undefined }): string[] {
  const parts = pattern.split('/');
  const firstGlob = parts.findIndex((s) => /[*?[\]{}]/.test(s));
  if (firstGlob < 0) return isFileLike(pattern) ? [pattern] : [];
  const base = parts.slice(0, firstGlob).join('/') || '/';
  const rest = parts.slice(firstGlob);
  const match = picomatch(rest.join('/'), { dot: true });
  const out: string[] = [];
  walkTree(base, {
    trace: o.trace,
    confine: o.confine,
    maxDepth: rest.some((s) => s.includes('**')) ? Infinity : rest.length - 1,
    onFile: (p) => {
      if (match(relative(base, p).split(sep).join('/'))) out.push(p);
    },
  });
  return out.sort();
}
