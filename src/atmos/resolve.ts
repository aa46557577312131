/**
 * Directory -> stacks -> identity -> chain: the whole offline answer for one directory.
 * Reads only the config, the active profiles, and the manifests (with imports) of the directory.
 */
import { ConfigError } from '../errors.ts';
import { debug } from '../log.ts';
import { buildChain, didYouMean } from './chain.ts';
import { componentAuth } from './component.ts';
import { resolveTimeoutMs, withDeadline } from './deadline.ts';
import { identityEnvEntries } from './identity-fields.ts';
import { discoverConfig, stackPaths } from './config.ts';
import { authOf, checkStackMarks, configDefault, stackDefault, IdentityConfigError, UndefinedIdentityError, type AuthConfig, type DefaultChoice } from './identity.ts';
import { StackLoader } from './imports.ts';
import { integrationsOf } from './integrations.ts';
import { manifestMatcher } from './manifests.ts';
import { deepMerge, getPath } from './merge.ts';
import { stackName } from './naming.ts';
import { applyProfiles, availableProfiles, findProfileDir, loadProfile, profileLocations } from './profiles.ts';
import { Reader } from './reader.ts';
import { manifestsOfDirectory } from './stacks.ts';
import type { ChainHop, Resolution } from './types.ts';
import { posOf, type YamlMap } from './yaml.ts';
import { realDir } from './fsutil.ts';

/** Options of resolveDirectory. */
export interface ResolveOptions {
  /** Directory to resolve. */
  dir: string;
  /** Profile(s), comma separated; overrides ATMOS_PROFILE. */
  profile?: string;
  /** Environment (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Every stack of the repository instead of the directory's (for `list`; walks the whole tree). */
  allStacks?: boolean;
  /** Cache directory of parsed YAML files across runs (parse-cache.ts); none: parse everything. */
  parseCacheDir?: string;
  /**
   * Select a stack by name across all manifests (as `atmos ... -s NAME`: describe stacks), not by
   * directory; with `component`, that component's `auth:` section applies (component.ts).
   */
  select?: StackSelection;
}

/** `--stack`/`--component`. */
export interface StackSelection {
  stack: string;
  component?: string;
}

/** One stack of the directory with what it defaults to. */
export interface StackInfo {
  name: string;
  file: string;
  merged: YamlMap;
  choice: DefaultChoice;
}

/** Everything resolveDirectory computed, for commands that need more than the Resolution. */
export interface ResolvedContext {
  resolution: Resolution;
  auth: AuthConfig;
  stacks: StackInfo[];
}

const DISABLED = new Set(['false', '0', 'no', 'off']);


/** Resolves a directory to the stacks and identity Atmos would use (no network). */
export function resolveDirectory(opts: ResolveOptions): Resolution {
  return resolveContext(opts).resolution;
}

/**
 * resolveDirectory within the resolution deadline (deadline.ts: ATMOS_AUTH_RESOLVE_TIMEOUT_MS,
 * default 2 s; ResolveTimeoutError beyond it): what the hook's commands use (export,
 * credential-process, exec, whoami, resolve, through resolveDirectoryCached). `list` and
 * `resolve --no-cache` walk as long as they need: run by hand, they can be interrupted.
 */
export function resolveDirectoryWithin(opts: ResolveOptions): Resolution {
  return withDeadline(resolveTimeoutMs(opts.env ?? process.env), () => resolveContext(opts).resolution);
}

/** As resolveDirectory, plus the auth config and per-stack details (for `list`). */
export function resolveContext(opts: ResolveOptions): ResolvedContext {
  const env = opts.env ?? process.env;
  const dir = realDir(opts.dir);
  const reader = new Reader(dir, env, opts.parseCacheDir);
  const base = discoverConfig(reader);
  const done = (r: Omit<Resolution, 'files' | 'dirs'>, auth: AuthConfig, stacks: StackInfo[]): ResolvedContext => ({
    resolution: { ...r, files: [...reader.trace.files].sort(), dirs: [...reader.trace.dirs].sort(), absent: [...reader.trace.absent].sort() },
    auth,
    stacks,
  });
  if (base.root === null) {
    if (opts.select) throw new ConfigError(`no atmos.yaml in ${dir} or above it: no stack ${opts.select.stack} to find`, undefined, { hint: 'run it inside the Atmos repository, or pass --dir' });
    return done({ root: null, profiles: [], stacks: [], identity: null, source: null, reason: 'no atmos.yaml in this directory or above it', region: null, chain: [] }, { providers: new Map(), identities: new Map() }, []);
  }
  const root = base.root;
  reader.configRoot = root;
  const { config, profiles } = applyProfiles(reader, base.config, root, opts.profile);
  try {
    return resolveWith(reader, root, config, profiles, dir, done, opts.allStacks === true || !!opts.select, opts.select);
  } catch (err) {
    if (err instanceof UndefinedIdentityError) throw explainUndefined(err, reader, base.config, root, profiles);
    throw err;
  }
}

function resolveWith(
  reader: Reader,
  root: string,
  config: YamlMap,
  profiles: string[],
  dir: string,
  done: (r: Omit<Resolution, 'files' | 'dirs'>, auth: AuthConfig, stacks: StackInfo[]) => ResolvedContext,
  allStacks: boolean,
  select?: StackSelection,
): ResolvedContext {
  const env = reader.env;
  let auth = authOf(config);
  const paths = stackPaths(config, root, dir, env);
  const isManifest = manifestMatcher(paths.included, paths.excluded);
  // The configuration names these directories: manifests and imports are read from them.
  reader.confine.add(paths.basePath);
  reader.confine.add(paths.stacksDir);
  const files = manifestsOfDirectory(allStacks ? paths.stacksDir : dir, paths.stacksDir, isManifest, reader.trace, reader.confine);
  debug(`resolve: ${dir}: root ${root}, stacks dir ${paths.stacksDir}, ${files.length} manifest(s), profiles [${profiles.join(',')}]`);
  const loader = new StackLoader(reader, paths.stacksDir);
  const envId = env.ATMOS_IDENTITY?.trim();
  const none: DefaultChoice = { identity: null, source: null };
  const stacks: StackInfo[] = files.map((file) => {
    const loaded = loader.load(file);
    const nameOpts: Parameters<typeof stackName>[0] = { manifestPath: file, stacksBasePath: paths.stacksDir, merged: loaded.merged, where: posOf(getPath(config, 'stacks'), paths.nameTemplate ? 'name_template' : 'name_pattern') ?? { file: root } };
    if (paths.nameTemplate) nameOpts.nameTemplate = paths.nameTemplate;
    if (paths.namePattern) nameOpts.namePattern = paths.namePattern;
    const name = stackName(nameOpts);
    // With ATMOS_IDENTITY set, the stack's markers are still checked (Atmos merges them first).
    if (envId) checkStackMarks(loaded, auth);
    const choice = envId ? none : stackDefault(loaded, auth, root);
    return { name, file, merged: loaded.merged, choice };
  });
  let componentVars: YamlMap | undefined;
  let fromComponent = false;
  if (select) {
    const picked = selectStack(stacks, select.stack, root);
    stacks.length = 0;
    stacks.push(picked);
    if (select.component) {
      const c = componentAuth(picked, select.component, auth, picked.choice);
      auth = c.auth;
      picked.choice = envId ? picked.choice : c.choice;
      componentVars = c.vars;
      fromComponent = c.fromComponent && !envId;
    }
  }

  let identity: string | null = null;
  let source: Resolution['source'] = null;
  let reason: string | undefined;
  let candidates: Record<string, string | null> | undefined;
  if (envId) {
    source = 'env';
    if (DISABLED.has(envId.toLowerCase())) {
      reason = `ATMOS_IDENTITY=${envId} disables Atmos authentication`;
    } else {
      const hit = auth.identities.get(envId.toLowerCase());
      if (!hit) throw new UndefinedIdentityError(envId, 'is set in ATMOS_IDENTITY');
      identity = hit.name;
    }
  } else if (stacks.length === 0) {
    const fallback = configDefault(auth, root);
    identity = fallback.identity;
    source = fallback.source;
    if (!identity) reason = 'no stack in this directory and no default identity in the configuration';
  } else {
    const ids = new Set(stacks.map((s) => s.choice.identity?.toLowerCase() ?? null));
    if (ids.size === 1) {
      identity = stacks[0]!.choice.identity;
      source = identity ? stacks[0]!.choice.source : null;
      if (!identity) reason = stacks.length === 1 ? `stack ${stacks[0]!.name} has no default identity` : 'no stack here has a default identity';
    } else {
      candidates = {};
      for (const s of stacks) candidates[s.name] = s.choice.identity;
      reason = 'the stacks of this directory want different identities (see candidates); cd into one stack\'s directory or set ATMOS_IDENTITY';
    }
  }

  const chain: ChainHop[] = identity ? buildChain(identity, auth) : [];
  const entry = identity ? auth.identities.get(identity.toLowerCase()) : undefined;
  const envEntries = entry ? identityEnvEntries(entry) : [];
  if (fromComponent && source === 'stack') source = 'component';
  if (fromComponent && !identity && select?.component) reason = `component ${select.component} of stack ${stacks[0]!.name} sets default: false on the stack's default identity and chooses none`;
  const regions = componentVars ? new Set([componentVars.region]) : new Set(stacks.map((s) => getPath(s.merged, 'vars', 'region')));
  const [only] = [...regions];
  let region: string | null = regions.size === 1 && typeof only === 'string' && only ? only : null;
  if (!region && chain.length) region = chain[chain.length - 1]!.region ?? chain[0]!.region ?? null;
  const r: Omit<Resolution, 'files' | 'dirs'> = { root, profiles, stacks: stacks.map((s) => s.name), identity, source, region, chain };
  if (reason) r.reason = reason;
  if (candidates) r.candidates = candidates;
  const integrations = identity ? integrationsOf(config, identity) : [];
  if (integrations.length) r.integrations = integrations;
  if (envEntries.length) r.env = envEntries;
  if (select?.component) r.component = select.component;
  return done(r, auth, stacks);
}

/** The one stack called `name` (Atmos finds `-s NAME` among all stacks, whatever the directory). */
function selectStack(stacks: StackInfo[], name: string, root: string): StackInfo {
  const hits = stacks.filter((s) => s.name === name);
  if (hits.length === 1) return hits[0]!;
  if (hits.length > 1) {
    throw new ConfigError(`several stack manifests are named ${name}: ${hits.map((h) => h.file).join(', ')}`, { file: hits[1]!.file }, { hint: 'give each manifest its own name (vars, name_template or name:)' });
  }
  const names = [...new Set(stacks.map((s) => s.name))].sort();
  const guess = didYouMean(name, names);
  throw new ConfigError(`no stack named ${name}${guess ? ` (did you mean ${guess}?)` : ''}`, { file: root }, {
    hint: names.length ? `stacks: ${names.slice(0, 20).join(', ')}${names.length > 20 ? ', ...' : ''}` : 'the repository has no stack manifests',
  });
}

/** Turns "identity X is not defined" into an error naming the profiles that do define it. */
function explainUndefined(err: UndefinedIdentityError, reader: Reader, baseConfig: YamlMap, root: string, active: string[]): ConfigError {
  const locations = profileLocations(baseConfig, root, reader.env);
  const defining: string[] = [];
  // Every identity name met, for "did you mean": the base config's and each profile's.
  const known = new Set<string>([...authOf(baseConfig).identities.values()].map((e) => e.name));
  for (const name of availableProfiles(locations)) {
    const d = findProfileDir(name, locations);
    if (!d) continue;
    try {
      const merged = deepMerge(baseConfig, loadProfile(reader, d)) as YamlMap;
      const ids = authOf(merged).identities;
      for (const e of ids.values()) known.add(e.name);
      if (!active.includes(name) && ids.has(err.identity.toLowerCase())) defining.push(name);
    } catch {
      // A broken other profile does not matter here; only the active one does.
    }
  }
  const near = defining.length ? undefined : didYouMean(err.identity, [...known]);
  const act = active.length ? `profile ${active.join(',')}` : 'no profile: ATMOS_PROFILE is unset';
  const msg = err.message.replace('the active configuration does not define it', `the active configuration (${act}) does not define it`);
  const hint = defining.length
    ? `profiles that define it: ${defining.join(', ')}; e.g. export ATMOS_PROFILE=${defining[0]}`
    : near
      ? `did you mean '${near}'? use --identity ${near} (no profile defines '${err.identity}')`
      : 'no profile defines it; add it under auth.identities (atmos.yaml or a profile), or see the identities: atmos-auth list --matrix';
  return new IdentityConfigError(msg, err.pos, { hint });
}
