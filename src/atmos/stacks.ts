/**
 * The stack manifests of a directory D: the top-level manifests in D's subtree; if none, those
 * directly in the nearest ancestor (up to the stacks dir) that has some. Outside the stacks dir:
 * none. Only D's subtree and the ancestors' own entries are listed, so a leaf directory costs the
 * same in a 10-manifest repo as in a 10,000-manifest one. Walks go through walkTree
 * (repo-files.ts): symlinks confined to the configured directories, loops ended, and a manifest
 * that is not a regular file is listed, so that reading it is an error naming it.
 */
import { dirname, relative } from 'node:path';
import { isWithin, type Trace } from './fsutil.ts';
import type { ManifestMatcher } from './manifests.ts';
import { walkTree, type Confinement } from './repo-files.ts';

const SKIP_DIRS = new Set(['.git', 'node_modules', '.terraform']);

function relSlash(stacksDir: string, p: string): string {
  return relative(stacksDir, p).split('\\').join('/');
}

/** Absolute paths of D's stack manifests, sorted. */
export function manifestsOfDirectory(dir: string, stacksDir: string, isManifest: ManifestMatcher, trace: Trace, confine?: Confinement): string[] {
  if (!isWithin(dir, stacksDir)) return [];
  const found: string[] = [];
  const onFile = (p: string) => { if (isManifest(relSlash(stacksDir, p))) found.push(p); };
  walkTree(dir, { trace, confine, skipDirs: SKIP_DIRS, onFile });
  if (found.length) return found.sort();
  for (let a = dir; a !== stacksDir && isWithin(a, stacksDir); ) {
    a = dirname(a);
    walkTree(a, { trace, confine, maxDepth: 0, onFile });
    if (found.length) return found.sort();
  }
  return [];
}
