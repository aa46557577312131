/**
 * The dynamic values shell completion offers, read from the repository of a directory offline:
 * identities and providers of the active profile(s), every profile, every stack by name, the
 * console's destination aliases. As Atmos's own completion does: identities of the configuration
 * the command would run with, --profile honoured (cmd/auth/completion.go:14-38), every profile
 * found (cmd/root.go:2549-2578, ListProfiles), and on any error nothing (both return no
 * candidates when InitCliConfig fails).
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
import { DESTINATION_ALIASES } from '../aws/console-destinations.ts';
import { paths } from '../paths.ts';

/** The dynamic kinds of value. */
export type DynamicKind = 'identity' | 'profile' | 'stack' | 'provider' | 'destination';

/** Where to read: the directory and the profiles the command line names (else ATMOS_PROFILE...). */
export interface ValueContext {
  dir: string;
  profile?: string;
  env: NodeJS.ProcessEnv;
}

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

/** The values of `kind` (unsorted, possibly with duplicates removed). */
export function dynamicValues(kind: DynamicKind, ctx: ValueContext): string[] {
  if (kind === 'destination') return [...DESTINATION_ALIASES];
  const c = loadConfig(ctx);
  if (!c) return [];
  switch (kind) {
    case 'profile':
      return availableProfiles(profileLocations(c.base, c.root, ctx.env));
    case 'identity':
      return [...authOf(c.config).identities.values()].map((e) => e.name);
    case 'provider':
      return [...authOf(c.config).providers.values()].map((e) => e.name);
    case 'stack':
      return stackNames(c.reader, c.root, c.config, ctx.dir);
  }
}
