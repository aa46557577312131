/**
 * Atmos profiles (pkg/config/profiles.go): active from --profile, else ATMOS_PROFILE, else
 * `profiles.default`; a comma list merges left to right. Each profile is a directory found in the
 * first of: `profiles.base_path`, `<root>/.atmos/profiles`, `$XDG_CONFIG_HOME/atmos/profiles`,
 * `<root>/profiles`; every YAML file in it (atmos.yaml first, shallow first) merges over the config.
 */
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { ConfigError } from '../errors.ts';
import { didYouMean } from './chain.ts';
import { entryIsDir, isDir, listDir, yamlFilesUnder } from './fsutil.ts';
import { deepMerge, getPath } from './merge.ts';
import type { Reader } from './reader.ts';
import { isPlainMap, posOf, type YamlMap } from './yaml.ts';

/** Splits a comma list of profile names. */
export function parseProfileList(v: string | undefined): string[] {
  return (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

/** The profile directories' parent locations, in search order. */
export function profileLocations(config: YamlMap, root: string, env: NodeJS.ProcessEnv): string[] {
  const out: string[] = [];
  const bp = getPath(config, 'profiles', 'base_path');
  if (typeof bp === 'string' && bp) out.push(isAbsolute(bp) ? bp : join(root, bp));
  out.push(join(root, '.atmos', 'profiles'));
  const xdg = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  out.push(join(xdg, 'atmos', 'profiles'));
  out.push(join(root, 'profiles'));
  return out;
}

/** Names of every profile in any location (sorted, unique). */
export function availableProfiles(locations: string[]): string[] {
  const names = new Set<string>();
  for (const loc of locations) for (const e of listDir(loc)) if (entryIsDir(loc, e)) names.add(e.name);
  return [...names].sort();
}

/** Which profiles are active, and from where. */
export function activeProfileNames(flag: string | undefined, env: NodeJS.ProcessEnv, config: YamlMap): string[] {
  if (flag !== undefined && flag !== '') return parseProfileList(flag);
  if (env.ATMOS_PROFILE) return parseProfileList(env.ATMOS_PROFILE);
  const d = getPath(config, 'profiles', 'default');
  if (typeof d === 'string') return parseProfileList(d);
  if (Array.isArray(d)) return d.filter((x): x is string => typeof x === 'string');
  return [];
}

/** Finds a profile's directory, or undefined. */
export function findProfileDir(name: string, locations: string[]): string | undefined {
  for (const loc of locations) {
    const p = join(loc, name);
    if (isDir(p)) return p;
  }
  return undefined;
}

/** The content of one profile: its YAML files merged. */
export function loadProfile(reader: Reader, dir: string): YamlMap {
  let out: YamlMap = {};
  // Read from its location (`dir` is <location>/<name>): a link may not lead out of that.
  reader.confine.add(dirname(dir));
  for (const f of yamlFilesUnder(dir, reader.trace, reader.confine)) {
    const v = reader.yaml(f);
    if (isPlainMap(v)) out = deepMerge(out, v) as YamlMap;
  }
  return out;
}

/**
 * The configured spelling of an identity of the base config named `name` (any case), if any:
 * Atmos's hint for an ATMOS_PROFILE that names an identity (pkg/config/profiles.go:292-300,
 * isAuthIdentityName at :336-350, Atmos issue #2071), checked against the config before profiles.
 */
function identityNamed(config: YamlMap, name: string): string | undefined {
  const ids = getPath(config, 'auth', 'identities');
  if (!isPlainMap(ids)) return undefined;
  const want = name.toLowerCase();
  return Object.keys(ids).find((k) => k.toLowerCase() === want);
}

/** Merges the active profiles over `config`. Unknown profile: ConfigError listing the available ones. */
export function applyProfiles(
  reader: Reader,
  config: YamlMap,
  root: string,
  flag: string | undefined,
): { config: YamlMap; profiles: string[] } {
  const names = activeProfileNames(flag, reader.env, config);
  if (names.length === 0) return { config, profiles: [] };
  const locations = profileLocations(config, root, reader.env);
  for (const l of locations) reader.trace.dir(l);
  let out = config;
  for (const name of names) {
    const dir = findProfileDir(name, locations);
    if (!dir) {
      const avail = availableProfiles(locations);
      const from = flag ? '--profile' : reader.env.ATMOS_PROFILE ? 'ATMOS_PROFILE' : 'profiles.default';
      const pos = from === 'profiles.default' ? posOf(getPath(config, 'profiles'), 'default') : undefined;
      const searched = `searched: ${locations.map((l) => join(l, name)).join(', ')}`;
      const identity = identityNamed(config, name);
      // Atmos lists the profiles and says to check the spelling (pkg/config/profiles.go:150-157, 298-308);
      // the near-miss suggestion is atmos-auth's own addition.
      const near = didYouMean(name, avail);
      throw new ConfigError(
        `unknown profile '${name}' (from ${from}); available: ${avail.length ? avail.join(', ') : '(none)'}`,
        pos,
        {
          hint: identity
            ? `'${name}' is an auth identity, not a configuration profile: to select it use ATMOS_IDENTITY or --identity instead, e.g. export ATMOS_IDENTITY=${identity} (and unset ATMOS_PROFILE); ${searched}`
            : near
              ? `did you mean '${near}'? ${from === '--profile' ? `use --profile ${near}` : from === 'ATMOS_PROFILE' ? `export ATMOS_PROFILE=${near}` : `set profiles.default to ${near}`}; ${searched}`
              : `check the spelling of the profile name; ${searched}`,
        },
      );
    }
    out = deepMerge(out, loadProfile(reader, dir)) as YamlMap;
  }
  return { config: out, profiles: names };
}
