/**
 * atmos.yaml discovery and merge, as Atmos's pkg/config/load.go (loadConfigSources) does it,
 * lowest priority first: /usr/local/etc/atmos, ~/.atmos, the nearest parent directory holding an
 * atmos.yaml, the git root (both only when the directory itself has no local config and
 * ATMOS_CLI_CONFIG_PATH is unset), the directory itself, ATMOS_CLI_CONFIG_PATH.
 * Each config's `atmos.d/` and `.atmos.d/` fragments (the git root's first) merge below it.
 */
import { isAbsolute, join, resolve as resolvePath } from 'node:path';
import { debug } from '../log.ts';
import { configFileIn, configLocations, configRootOf, type ConfigLocation } from './config-root.ts';
import { gitRootOf, isDir, yamlFilesUnder } from './fsutil.ts';
import { deepMerge } from './merge.ts';
import { mergeProvisioned } from './provisioned.ts';
import type { Reader } from './reader.ts';
import { isPlainMap, type YamlMap } from './yaml.ts';

/** The merged base configuration (before profiles) and where it came from. */
export interface BaseConfig {
  /** Directory of the highest-priority project atmos.yaml, or null outside any Atmos repo. */
  root: string | null;
  /** Merged content. */
  config: YamlMap;
  /** The config files merged, lowest priority first. */
  sources: string[];
}

export { configFileIn };

/**
 * Discovers and merges atmos.yaml for `reader.cwd`. Which files, in which order, and so the root,
 * come from configLocations (config-root.ts), which decides by file existence alone: the hook's
 * trust check finds the same root without reading any of them.
 */
export function discoverConfig(reader: Reader): BaseConfig {
  const { env, cwd, trace } = reader;
  const locations = configLocations(cwd, env, trace);
  const sources: string[] = [];
  let config: YamlMap = {};

  const merge = ({ dir, file, fragments }: ConfigLocation) => {
    // A directory discovery chose: its files may be read, symlinks may not lead out of it.
    reader.confine.add(dir);
    if (fragments) {
      const gitRoot = gitRootOf(dir);
      if (gitRoot && gitRoot !== dir) {
        reader.confine.add(gitRoot);
        config = mergeFragments(reader, gitRoot, config);
      }
      config = mergeFragments(reader, dir, config);
    }
    const content = reader.yaml(file);
    // Beneath the file itself: the identities Atmos provisioned for the providers it defines (provisioned.ts).
    if (fragments) config = mergeProvisioned(reader, config, [mergeFragments(reader, dir, {}), content]);
    if (isPlainMap(content)) config = deepMerge(config, content) as YamlMap;
    sources.push(file);
    debug(`config: merged ${file}`);
  };

  for (const l of locations) merge(l);
  // No directory mtimes are traced for discovery: every place looked at was recorded as a probe
  // (trace.missing), so a config appearing there is noticed, while unrelated files created in a
  // busy parent (the git root, /tmp, $HOME) do not make every cached answer look stale.
  return { root: configRootOf(locations), config, sources };
}

function mergeFragments(reader: Reader, dir: string, config: YamlMap): YamlMap {
  let out = config;
  for (const sub of ['atmos.d', '.atmos.d']) {
    const d = join(dir, sub);
    if (!isDir(d)) {
      reader.trace.missing(d);
      continue;
    }
    for (const f of yamlFilesUnder(d, reader.trace, reader.confine)) {
      const v = reader.yaml(f);
      if (isPlainMap(v)) out = deepMerge(out, v) as YamlMap;
    }
  }
  return out;
}

/** Stack settings after base_path anchoring. */
export interface StackPaths {
  basePath: string;
  stacksDir: string;
  included: string[];
  excluded: string[];
  nameTemplate?: string;
  namePattern?: string;
}

function strList(v: unknown): string[] {
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  if (typeof v === 'string' && v) return v.split(',').map((s) => s.trim()).filter(Boolean);
  return [];
}

/**
 * Anchors `base_path` as Atmos's resolveAbsolutePath (pkg/config/config.go): absolute as is;
 * `.`/`..`-prefixed: the config dir (ATMOS_BASE_PATH: the current dir); empty: the git root, else
 * the config dir; bare `foo`: git root/foo if it exists, else cwd/foo or config dir/foo.
 */
export function resolveBasePath(value: string, fromEnv: boolean, root: string, cwd: string): string {
  if (isAbsolute(value)) return value;
  const dot = value === '.' || value === '..' || value.startsWith('./') || value.startsWith('../');
  if (dot) return resolvePath(fromEnv ? cwd : root, value);
  const git = gitRootOf(cwd);
  if (git) {
    if (value === '') return git;
    const j = join(git, value);
    if (isDir(j)) return j;
    const c = resolvePath(cwd, value);
    return isDir(c) ? c : j;
  }
  if (value === '') return root;
  if (fromEnv && isDir(resolvePath(cwd, value))) return resolvePath(cwd, value);
  const j = join(root, value);
  if (isDir(j)) return j;
  const c = resolvePath(cwd, value);
  return isDir(c) ? c : j;
}

/** The stacks settings of a merged config, with the ATMOS_* overrides Atmos honours. */
export function stackPaths(config: YamlMap, root: string, cwd: string, env: NodeJS.ProcessEnv): StackPaths {
  const fromEnv = env.ATMOS_BASE_PATH !== undefined && env.ATMOS_BASE_PATH !== '';
  const raw = fromEnv ? env.ATMOS_BASE_PATH! : typeof config.base_path === 'string' ? config.base_path : '';
  const basePath = resolveBasePath(raw, fromEnv, root, cwd);
  const stacks = isPlainMap(config.stacks) ? config.stacks : {};
  const sb = env.ATMOS_STACKS_BASE_PATH || (typeof stacks.base_path === 'string' ? stacks.base_path : 'stacks');
  const stacksDir = isAbsolute(sb) ? sb : join(basePath, sb);
  const included = env.ATMOS_STACKS_INCLUDED_PATHS ? strList(env.ATMOS_STACKS_INCLUDED_PATHS) : strList(stacks.included_paths);
  const excluded = env.ATMOS_STACKS_EXCLUDED_PATHS ? strList(env.ATMOS_STACKS_EXCLUDED_PATHS) : strList(stacks.excluded_paths);
  const out: StackPaths = { basePath, stacksDir, included, excluded };
  const nt = env.ATMOS_STACKS_NAME_TEMPLATE || stacks.name_template;
  const np = env.ATMOS_STACKS_NAME_PATTERN || stacks.name_pattern;
  if (typeof nt === 'string' && nt) out.nameTemplate = nt;
  if (typeof np === 'string' && np) out.namePattern = np;
  return out;
}
