/**
 * Small filesystem helpers shared by the Atmos readers. Every read is recorded in a Trace. Files
 * are read and trees walked through repo-files.ts (regular files only, confined symlinks).
 */
import { readdirSync, statSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import { walkTree, type Confinement } from './repo-files.ts';

// The path helpers the hook's warm path needs live apart (no YAML, no globbing): re-exported here.
export { gitRootOf, isWithin, realDir } from './path-facts.ts';

/** Files and directories whose content or listing went into an answer. */
export class Trace {
  readonly files = new Set<string>();
  readonly dirs = new Set<string>();
  /** Paths looked for and not found: their appearing would change the answer. */
  readonly absent = new Set<string>();
  file(p: string): void { this.files.add(p); }
  dir(p: string): void { this.dirs.add(p); }
  missing(p: string): void { this.absent.add(p); }
}

/** True when `p` is an existing directory. */
export function isDir(p: string): boolean {
  try { return statSync(p).isDirectory(); } catch { return false; }
}

/** Directory entries, or [] when unreadable. */
export function listDir(p: string): Dirent[] {
  try { return readdirSync(p, { withFileTypes: true }); } catch { return []; }
}

/** True when entry `e` of directory `parent` is a directory (symlinks followed). */
export function entryIsDir(parent: string, e: Dirent): boolean {
  if (e.isDirectory()) return true;
  return e.isSymbolicLink() && isDir(join(parent, e.name));
}

/**
 * YAML files under `dir` (recursive), shallow first, `atmos.yaml` first within a level, then by name.
 * Through walkTree (repo-files.ts): links confined, loops ended, non-regular files listed so that
 * reading them is a clear error rather than a silent skip.
 */
export function yamlFilesUnder(dir: string, trace: Trace, confine?: Confinement): string[] {
  const out: { path: string; depth: number }[] = [];
  walkTree(dir, { trace, confine, onFile: (p, depth) => { if (/\.ya?ml$/.test(p)) out.push({ path: p, depth }); } });
  const rank = (p: string) => (/\/atmos\.ya?ml$/.test(p) ? 0 : 1);
  out.sort((a, b) => a.depth - b.depth || rank(a.path) - rank(b.path) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  // `x.yaml` wins over `x.yml` in the same directory, as in Atmos.
  const seen = new Set(out.filter((f) => f.path.endsWith('.yaml')).map((f) => f.path.slice(0, -5)));
  return out.filter((f) => !(f.path.endsWith('.yml') && seen.has(f.path.slice(0, -4)))).map((f) => f.path);
}
