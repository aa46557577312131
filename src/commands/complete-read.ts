/**
 * Reading the values shell completion offers from the repository (complete-values.ts caches
 * them): the YAML engine is loaded only here, on a cache miss.
 */
import { discoverConfig, stackPaths } from '../atmos/config.ts';
import { authOf } from '../atmos/identity.ts';
import { StackLoader } from '../atmos/imports.ts';
import { manifestMatcher } from '../atmos/manifests.ts';
import { getPath } from '../atmos/merge.ts';
import { stackName } from '../atmos/naming.ts';
import { applyProfiles, availableProfiles, profileLocations } from '../atmos/profiles.ts';
import { Reader } from '../atmos/reader.ts';
import { manifestsOfDirectory } from '../atmos/stacks.ts';
import { posOf, type YamlMap } from '../atmos/yaml.ts';
import { paths } from '../paths.ts';
import type { DynamicKind, ValueContext } from './complete-values.ts';

/** The repository's configuration with the active profiles merged, or null outside a repository. */
function loadConfig(ctx: ValueContext): { reader: Reader; root: string; base: YamlMap; config: YamlMap } | null {
  // The parse cache: after a first run, reading stacks costs a stat per file.
  const reader = new Reader(ctx.dir, ctx.env, paths.cache);
  const base = discoverConfig(reader);
  if (!base.root) return null;
  reader.configRoot = base.root;
  return { reader, root: base.root, base: base.config, config: applyProfiles(reader, base.config, base.root, ctx.profile).config };
}

/** Every stack's name, as Atmos names them (stacks.name_template / name_pattern); unreadable stacks are left out. */
function stackNames(reader: Reader, root: string, config: YamlMap, dir: string): string[] {
  const p = stackPaths(config, root, dir, reader.env);
  const files = manifestsOfDirectory(p.stacksDir, p.stacksDir, manifestMatcher(p.included, p.excluded), reader.trace);
  const loader = new StackLoader(reader, p.stacksDir);
  const names = new Set<string>();
  for (const file of files) {
    try {
      const loaded = loader.load(file);
      const opts: Parameters<typeof stackName>[0] = { manifestPath: file, stacksBasePath: p.stacksDir, merged: loaded.merged, where: posOf(getPath(config, 'stacks'), 'name_template') ?? { file: root } };
      if (p.nameTemplate) opts.nameTemplate = p.nameTemplate;
      if (p.namePattern) opts.namePattern = p.namePattern;
      names.add(stackName(opts));
    } catch {
      // A broken stack: the others are still worth offering.
    }
  }
  return [...names];
}

/** What the repository holds of `kind`, read afresh; null outside a repository. */
export function readValues(kind: Exclude<DynamicKind, 'destination'>, ctx: ValueContext): { values: string[]; reader: Reader; root: string } | null {
  const c = loadConfig(ctx);
  if (!c) return null;
  let values: string[];
  if (kind === 'profile') {
    const locations = profileLocations(c.base, c.root, ctx.env);
    // Listed here, so a new profile directory invalidates the cached list.
    for (const l of locations) c.reader.trace.dir(l);
    values = availableProfiles(locations);
  } else if (kind === 'stack') {
    values = stackNames(c.reader, c.root, c.config, ctx.dir);
  } else {
    const auth = authOf(c.config);
    values = [...(kind === 'identity' ? auth.identities : auth.providers).values()].map((e) => e.name);
  }
  return { values, reader: c.reader, root: c.root };
}
