/**
 * Where atmos.yaml files are merged from, and so which directory is the repository root, decided
 * by file existence alone: no file is opened. discoverConfig (config.ts) merges exactly these
 * locations and reports configRootOf() of them as its root, and the hook's trust check
 * (src/trust/trust.ts, admitHook) calls findConfigRoot() before any YAML of a repository is read,
 * so the two can never disagree about the root. Kept apart from config.ts because the hot script
 * bundles it, and config.ts reaches the YAML parser.
 *
 * The order is Atmos's loadConfigSources (pkg/config/load.go:898-933), lowest priority first:
 * the system dir, ~/.atmos, the nearest parent holding atmos.yaml/.atmos.yaml
 * (findAtmosConfigInParentDirs, load.go:1129) and the git root (readGitRootConfig, load.go:1007),
 * both only when the directory has no local config (hasLocalAtmosConfig, pkg/config/git_root.go:91)
 * and ATMOS_CLI_CONFIG_PATH is unset, the directory itself (readWorkDirConfigOnly, load.go:985),
 * then ATMOS_CLI_CONFIG_PATH (readEnvAmosConfigPath, load.go:1154).
 */
import { statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { gitRootOf } from './path-facts.ts';

const CONFIG_NAMES = ['atmos.yaml', 'atmos.yml', '.atmos.yaml', '.atmos.yml'];
const SYSTEM_DIR = '/usr/local/etc/atmos';

/** Records the paths looked for and not found (fsutil's Trace fits). */
export interface Probes {
  missing(p: string): void;
}

/** One config file to merge, in merge order. */
export interface ConfigLocation {
  dir: string;
  file: string;
  /** A project config (not the system or home one): the last of these is the repository root. */
  project: boolean;
  /** Its atmos.d/.atmos.d fragments (and the git root's) merge below it. */
  fragments: boolean;
}

// throwIfNoEntry: most probes miss, and an ENOENT exception costs more than the stat itself (this
// runs on every `cd` of the hook). Anything there but a directory counts as a file: a FIFO or a
// device named atmos.yaml is then refused when read, naming it (repo-files.ts), instead of making
// the repository look absent.
function kind(p: string): 'file' | 'dir' | null {
  try {
    const st = statSync(p, { throwIfNoEntry: false });
    return st ? (st.isDirectory() ? 'dir' : 'file') : null;
  } catch {
    return null;
  }
}

/** The config file of a directory, if any (the first of atmos.yaml, atmos.yml, .atmos.yaml, .atmos.yml). */
export function configFileIn(dir: string, probes?: Probes): string | undefined {
  for (const n of CONFIG_NAMES) {
    const p = join(dir, n);
    if (kind(p) === 'file') return p;
    probes?.missing(p);
  }
  return undefined;
}

/** Atmos's hasLocalAtmosConfig (git_root.go:91): a config file, or .atmos/, .atmos.d/, atmos.d/. */
function hasLocalConfig(dir: string, probes?: Probes): boolean {
  if (configFileIn(dir, probes) !== undefined) return true;
  for (const n of ['.atmos', '.atmos.d', 'atmos.d']) {
    if (kind(join(dir, n)) === 'dir') return true;
    probes?.missing(join(dir, n));
  }
  return false;
}

/**
 * The config files merged for `cwd` (a real path), lowest priority first, each file once (a file
 * met again, e.g. ~/.atmos as the current directory, keeps its first place and role).
 */
export function configLocations(cwd: string, env: NodeJS.ProcessEnv, probes?: Probes): ConfigLocation[] {
  const envPath = env.ATMOS_CLI_CONFIG_PATH || '';
  const local = hasLocalConfig(cwd, probes);
  const home = env.HOME || homedir();
  const out: ConfigLocation[] = [];
  const add = (dir: string, project: boolean, fragments: boolean, file = configFileIn(dir, probes)) => {
    if (file && !out.some((l) => l.file === file)) out.push({ dir, file, project, fragments });
  };
  add(SYSTEM_DIR, false, false);
  add(join(home, '.atmos'), false, true);
  if (!envPath && !local) {
    for (let d = dirname(cwd); ; d = dirname(d)) {
      const f = configFileIn(d, probes);
      if (f) { add(d, true, true, f); break; }
      if (dirname(d) === d) break;
    }
    if (env.ATMOS_GIT_ROOT_BASEPATH !== 'false') {
      const g = gitRootOf(cwd);
      if (g && g !== cwd) add(g, true, true);
    }
  }
  add(cwd, true, true);
  if (envPath) {
    const p = resolvePath(cwd, envPath);
    add(kind(p) === 'file' ? dirname(p) : p, true, true);
  }
  return out;
}

/** The repository root of these locations: the directory of the highest-priority project config. */
export function configRootOf(locations: ConfigLocation[]): string | null {
  for (let i = locations.length - 1; i >= 0; i--) if (locations[i]!.project) return locations[i]!.dir;
  return null;
}

/** The repository root for `cwd` (a real path) without opening a file; null outside any. */
export function findConfigRoot(cwd: string, env: NodeJS.ProcessEnv): string | null {
  return configRootOf(configLocations(cwd, env));
}
