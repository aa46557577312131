/**
 * The stack manifests of a directory D: the top-level manifests in D's subtree; if none, those
 * directly in the nearest ancestor (up to the stacks dir) that has some. Outside the stacks dir:
 * none. Only D's subtree and the ancestors' own entries are listed, so a leaf directory costs the
 * same in a 10-manifest repo as in a 10,000-manifest one.
 */
import { dirname, join, relative } from 'node:path';
import { entryIsDir, entryIsFile, isWithin, listDir, type Trace } from './fsutil.ts';
import type { ManifestMatcher } from './manifests.ts';

const SKIP_DIRS = new Set(['.git', 'node_modules', '.terraform']);

function relSlash(stacksDir: string, p: string): string {
  return relative(stacksDir, p).split('\\').join('/');
}

/** Absolute paths of D's stack manifests, sorted. */
export function manifestsOfDirectory(dir: string, stacksDir: string, isManifest: ManifestMatcher, trace: Trace): string[] {
  if (!isWithin(dir, stacksDir)) return [];
  const found: string[] = [];
  const walk = (d: string) => {
    trace.dir(d);
    for (const e of listDir(d)) {
      const p = join(d, e.name);
      if (entryIsDir(d, e)) {
        if (!SKIP_DIRS.has(e.name)) walk(p);
      } else if (entryIsFile(d, e) && isManifest(relSlash(stacksDir, p))) {
        found.push(p);
      }
    }
  };
  walk(dir);
  if (found.length) return found.sort();
  for (let a = dir; a !== stacksDir && isWithin(a, stacksDir); ) {
    a = dirname(a);
    trace.dir(a);
    const direct = listDir(a)
      .filter((e) => entryIsFile(a, e) && isManifest(relSlash(stacksDir, join(a, e.name))))
      .map((e) => join(a, e.name));
    if (direct.length) return direct.sort();
  }
  return [];
}
