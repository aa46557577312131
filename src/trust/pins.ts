/**
 * What `atmos-auth allow` pins for a repository: the root of every identity chain its configuration
 * can produce, under every profile, and the target of every identity (targets.ts: the account and
 * permission set, role or MFA device its own hop reaches; its chain's other hops are identities of
 * the same configuration, each pinned in turn). Profiles are included because switching
 * ATMOS_PROFILE inside an allowed repository is ordinary use and must not need a new allow, while
 * every endpoint, account and role any profile could send you to is exactly what the user is
 * agreeing to. Offline: reads YAML only.
 */
import { buildChain } from '../atmos/chain.ts';
import { discoverConfig } from '../atmos/config.ts';
import { authOf } from '../atmos/identity.ts';
import { deepMerge } from '../atmos/merge.ts';
import { applyProfiles, availableProfiles, findProfileDir, loadProfile, profileLocations } from '../atmos/profiles.ts';
import { Reader } from '../atmos/reader.ts';
import type { YamlMap } from '../atmos/yaml.ts';
import { AtmosAuthError } from '../errors.ts';
import { dict } from './record.ts';
import { targetKey } from './targets.ts';
import { pinOf, PINNED_FIELDS, type Pin } from './trust.ts';
import { realDir } from '../atmos/fsutil.ts';

/** The pins of one repository, and what could not be read (broken profiles, broken identities). */
export interface RepoPins {
  root: string;
  pins: Pin[];
  /** Every target any identity of any profile reaches (targets.ts), sorted. */
  targets: string[];
  /** Identity name (lower case) -> indexes into `targets` of what its own hop reaches. */
  identities: Record<string, number[]>;
  /** Profiles whose configuration was read ('' = no profile). */
  profiles: string[];
  /** Problems met on the way (each skipped, not pinned). */
  problems: string[];
}


/** Pins of the Atmos repository holding `dir`. Throws when `dir` is in none. */
export function repoPins(dir: string, env: NodeJS.ProcessEnv = process.env, profileFlag?: string): RepoPins {
  const reader = new Reader(realDir(dir), env);
  const base = discoverConfig(reader);
  if (!base.root) throw new AtmosAuthError(`${dir} is not inside an Atmos repository (no atmos.yaml in it or above it)`, { hint: 'run it inside the repository, or name a directory of it: atmos-auth allow DIR' });
  const root = base.root;
  reader.configRoot = root;
  const configs: [string, YamlMap][] = [['', base.config]];
  const problems: string[] = [];
  const locations = profileLocations(base.config, root, env);
  for (const name of availableProfiles(locations)) {
    const d = findProfileDir(name, locations);
    if (!d) continue;
    try {
      configs.push([name, deepMerge(base.config, loadProfile(reader, d)) as YamlMap]);
    } catch (err) {
      problems.push(`profile ${name}: ${(err as Error).message}`);
    }
  }
  // The active combination too (a comma list merges several profiles into one configuration).
  try {
    const active = applyProfiles(reader, base.config, root, profileFlag);
    if (active.profiles.length > 1) configs.push([active.profiles.join(','), active.config]);
  } catch (err) {
    problems.push(`active profile: ${(err as Error).message}`);
  }
  const pins: Pin[] = [];
  const seen = new Set<string>();
  const reach = new Map<string, Set<string>>();
  for (const [profile, config] of configs) {
    const auth = authOf(config);
    for (const id of auth.identities.values()) {
      let chain;
      try {
        chain = buildChain(id.name, auth);
      } catch (err) {
        problems.push(`${profile ? `profile ${profile}, ` : ''}identity ${id.name}: ${(err as Error).message}`);
        continue;
      }
      const hop = chain[0];
      if (!hop) continue;
      const own = targetKey(chain[chain.length - 1]!);
      if (own !== null) {
        const who = reach.get(own) ?? new Set<string>();
        who.add(id.name.toLowerCase());
        reach.set(own, who);
      }
      const pin = pinOf(hop);
      const key = JSON.stringify([pin.kind, pin.name.toLowerCase(), PINNED_FIELDS[pin.kind].map(([f]) => pin.values[f] ?? '')]);
      if (seen.has(key)) continue;
      seen.add(key);
      pins.push(pin);
    }
  }
  pins.sort((a, b) => a.name.localeCompare(b.name) || a.kind.localeCompare(b.kind));
  const targets = [...reach.keys()].sort();
  const identities: Record<string, number[]> = dict();
  targets.forEach((t, i) => {
    for (const who of reach.get(t)!) (identities[who] ??= []).push(i);
  });
  return { root, pins, targets, identities, profiles: configs.map(([p]) => p), problems: [...new Set(problems)] };
}
