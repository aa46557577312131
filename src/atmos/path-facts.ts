/**
 * Path facts the hook's warm path needs (the trust check's root finding, the trust record's key):
 * node:fs and node:path only, so the hot script does not bundle the YAML engine or the globbing
 * that fsutil.ts brings along.
 */
import { realpathSync, statSync } from 'node:fs';
import { dirname, join, resolve as resolvePath } from 'node:path';

const gitRoots = new Map<string, string | undefined>();
/** The git work tree root holding `dir` (a `.git` dir or file), or undefined. */
export function gitRootOf(dir: string): string | undefined {
  if (gitRoots.has(dir)) return gitRoots.get(dir);
  let cur = dir;
  let found: string | undefined;
  for (;;) {
    // throwIfNoEntry: the hook's trust check walks up here on every `cd`, and an ENOENT exception
    // per level costs more than the stat itself.
    try { if (statSync(join(cur, '.git'), { throwIfNoEntry: false })) { found = cur; break; } } catch { /* keep looking */ }
    const up = dirname(cur);
    if (up === cur) break;
    cur = up;
  }
  gitRoots.set(dir, found);
  return found;
}

/** True when `child` is `parent` or lies beneath it. */
export function isWithin(child: string, parent: string): boolean {
  if (child === parent) return true;
  const p = parent.endsWith('/') ? parent : parent + '/';
  return child.startsWith(p);
}

/** The real path of directory `d` (resolved against the cwd), or `d` resolved when it has none. */
export function realDir(d: string): string {
  const abs = resolvePath(d);
  try {
    return realpathSync.native(abs);
  } catch {
    return abs;
  }
}
