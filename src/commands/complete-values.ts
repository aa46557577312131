/**
 * The dynamic values shell completion offers, read from the repository of a directory offline:
 * identities and providers of the active profile(s), every profile, every stack by name, the
 * console's destination aliases. As Atmos's own completion does: identities of the configuration
 * the command would run with, --profile honoured (cmd/auth/completion.go:14-38), every profile
 * found (cmd/root.go:2549-2578, ListProfiles), and on any error nothing (both return no
 * candidates when InitCliConfig fails).
 */
import { join } from 'node:path';
import { readResolution, recordingEnv, writeResolution } from '../atmos/resolution-cache.ts';
import type { Resolution } from '../atmos/types.ts';
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

/**
 * readValues behind the resolution cache's validation (resolution-cache.ts: every file read keeps
 * its mtime, size and inode, every directory listed its mtime, every variable read its value), in
 * a directory of its own per kind: a TAB after the first costs a JSON read and a stat per file
 * instead of reading the YAML. The entry is a Resolution whose `stacks` holds the values.
 */
async function cachedValues(kind: Exclude<DynamicKind, 'destination'>, ctx: ValueContext): Promise<string[]> {
  const cacheDir = join(paths.cache, 'complete', kind);
  const k = { dir: ctx.dir, profile: ctx.profile, env: ctx.env };
  const hit = readResolution(k, cacheDir);
  if (hit) return hit.stacks;
  const seen = new Map<string, string | null>();
  const { readValues } = await import('./complete-read.ts');
  const got = readValues(kind, { ...ctx, env: recordingEnv(ctx.env, seen) });
  if (!got) return [];
  const t = got.reader.trace;
  const r: Resolution = { root: got.root, profiles: [], stacks: got.values, identity: null, source: null, region: null, chain: [], files: [...t.files], dirs: [...t.dirs], absent: [...t.absent] };
  writeResolution(k, r, seen, cacheDir);
  return got.values;
}

/** The values of `kind` (unsorted). */
export async function dynamicValues(kind: DynamicKind, ctx: ValueContext): Promise<string[]> {
  return kind === 'destination' ? [...DESTINATION_ALIASES] : cachedValues(kind, ctx);
}
