/**
 * Files that hold secrets: written atomically (temp file + rename, via write-file-atomic) with mode
 * 0600 in directories of mode 0700, whatever the umask; read only when they are regular files owned
 * by this user and not open to group or others. A planted symlink is never followed.
 */
import { chmodSync, closeSync, fchmodSync, fsyncSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { AtmosAuthError } from '../errors.ts';

/** A secret file or its directory is unsafe (symlink, foreign owner, open mode). */
export class InsecureFileError extends AtmosAuthError {
  readonly path: string;
  constructor(path: string, why: string, fix?: string) {
    super(`refusing to use ${path}: ${why}`, { hint: fix ?? `remove it (rm -rf '${path}') and try again` });
    this.path = path;
  }
}

const uid = typeof process.getuid === 'function' ? process.getuid() : -1;

/** Creates `dir` (and parents) with mode 0700; tightens an existing one we own; refuses a foreign one. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  if (st.isSymbolicLink() || !st.isDirectory()) throw new InsecureFileError(dir, 'not a plain directory');
  if (uid >= 0 && st.uid !== uid) throw new InsecureFileError(dir, `owned by uid ${st.uid}, not by you (${uid})`);
  if ((st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
}

/** Checks that an existing path is a regular file of ours, private; returns false when absent. */
function checkPrivateFile(path: string): boolean {
  let st;
  try {
    st = lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  if (st.isSymbolicLink()) throw new InsecureFileError(path, 'it is a symbolic link');
  if (!st.isFile()) throw new InsecureFileError(path, 'not a regular file');
  if (uid >= 0 && st.uid !== uid) throw new InsecureFileError(path, `owned by uid ${st.uid}, not by you (${uid})`);
  if ((st.mode & 0o077) !== 0) throw new InsecureFileError(path, `mode ${(st.mode & 0o777).toString(8)} lets others read it (want 600)`, `if only you wrote it, run: chmod 600 '${path}'; otherwise remove it (rm -f '${path}') and try again`);
  return true;
}

/** Reads a private file; null when it does not exist. Throws InsecureFileError when unsafe. */
export function readPrivateFile(path: string): string | null {
  if (!checkPrivateFile(path)) return null;
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Removes whatever stands at `path` so that a write cannot be redirected through a symlink. */
function clearSymlink(path: string): void {
  try {
    if (lstatSync(path).isSymbolicLink()) unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** Atomically writes `data` to `path` with mode 0600, creating private parent directories. */
export async function writePrivateFile(path: string, data: string): Promise<void> {
  ensurePrivateDir(dirname(path));
  clearSymlink(path);
  await writeFileAtomic(path, data, { mode: 0o600, fsync: true });
}

let tmpCounter = 0;

/**
 * Synchronous variant of writePrivateFile, for the disposable caches written on a first `cd`
 * (resolution and parse caches). Same guarantees (temp file created exclusively with mode 0600,
 * then renamed over the target: never half-written, never through a symlink) but with node:fs
 * alone: write-file-atomic loads worker_threads and signal-exit, about 10 ms, more than the rest
 * of the write path. `fsync: false` gives up durability across a crash, not atomicity.
 */
export function writePrivateFileSync(path: string, data: string, opts: { fsync?: boolean } = {}): void {
  ensurePrivateDir(dirname(path));
  clearSymlink(path);
  // Unique per process and call; 'wx' (O_CREAT|O_EXCL) refuses anything already there.
  const tmp = `${path}.${process.pid}.${Date.now().toString(36)}.${tmpCounter++}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    try {
      fchmodSync(fd, 0o600); // whatever the umask
      writeSync(fd, data);
      if (opts.fsync ?? true) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** Deletes a private file if present (never follows a symlink: it removes the link itself). */
export function removePrivateFile(path: string): boolean {
  try {
    statSync(dirname(path));
    rmSync(path, { force: false });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
