/**
 * Cross-process locks (proper-lockfile: an atomic mkdir plus a heartbeat on its mtime). A lock whose
 * holder was killed stops being refreshed and is taken over after `staleMs`, so nobody waits forever.
 * Used so that many shells doing `cd` at once produce one login and one credentials fetch.
 */
import { createHash } from 'node:crypto';
import * as nodeFs from 'node:fs';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { AtmosAuthError } from '../errors.ts';
import { debug } from '../log.ts';
import { paths } from '../paths.ts';
import { ensurePrivateDir } from './secure-file.ts';

/** Waiting for a lock took longer than allowed. */
export class LockTimeoutError extends AtmosAuthError {}

export interface LockOptions {
  /** How long to wait for another holder, ms (default 30 s). */
  waitMs?: number;
  /** A lock not refreshed for this long is taken over, ms (default 5 s; the holder refreshes every second). */
  staleMs?: number;
  /** Directory holding the lock dirs (default: <cache>/locks). */
  dir?: string;
  /**
   * Called about every 100 ms while another process holds the lock, with the time waited so far;
   * throwing gives up the wait with that error (e.g. the holder is in a login this run cannot wait for).
   */
  onWait?: (waitedMs: number) => void | Promise<void>;
}

/**
 * node:fs for proper-lockfile, with its lock directories made 0700 explicitly: mkdir's default
 * (0777 less the umask) would let other users list them, and a umask of 0 would let them remove
 * or replace a lock. The parent is already private (ensurePrivateDir); this holds without it too.
 */
const lockFs = {
  ...nodeFs,
  mkdir: (p: string, cb: (err: NodeJS.ErrnoException | null) => void) => nodeFs.mkdir(p, { mode: 0o700 }, (err) => cb(err)),
} as typeof nodeFs;

/** Runs `fn` while holding the named lock. `name` is any string (hashed into a file name). */
export async function withLock<T>(name: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const dir = opts.dir ?? join(paths.cache, 'locks');
  ensurePrivateDir(dir);
  const file = join(dir, createHash('sha1').update(name).digest('hex'));
  const waitMs = opts.waitMs ?? 30_000;
  const staleMs = Math.max(2000, opts.staleMs ?? 5000);
  const started = Date.now();
  let release: (() => Promise<void>) | undefined;
  for (;;) {
    try {
      release = await lockfile.lock(file, {
        realpath: false,
        fs: lockFs,
        stale: staleMs,
        update: 1000,
        retries: 0,
        // The holder lost its lock (e.g. the machine slept past `stale`): nothing safe to do but go on;
        // the writes we protect are atomic, so the worst case is one extra fetch.
        onCompromised: () => debug(`lock ${name} was taken over while held`),
      });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err;
      if (Date.now() - started > waitMs) {
        throw new LockTimeoutError(`another atmos-auth process has held the lock for ${name} for over ${Math.round(waitMs / 1000)} s`, {
          hint: 'finish or cancel the login running in another terminal, then try again',
        });
      }
      await opts.onWait?.(Date.now() - started);
      await new Promise((r) => setTimeout(r, 25 + Math.random() * 75));
    }
  }
  debug(`lock ${name} acquired after ${Date.now() - started} ms`);
  try {
    return await fn();
  } finally {
    await release().catch(() => {});
  }
}
