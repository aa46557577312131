/**
 * `atmos-auth direnv`: the direnv library defining `use_atmos` (install it as
 * ${XDG_CONFIG_HOME:-~/.config}/direnv/lib/use_atmos.sh). With --watch-files: the `watch_file` line
 * that use_atmos evals, naming every file the directory's answer depends on (config, profile files,
 * manifests and their imports, the directories listed for them, and the identity's credentials
 * cache entry), so that direnv reloads when any of them changes.
 */
import { join } from 'node:path';
import { chainKey, credentialsDir } from '../credentials/cache.ts';
import { resolveTarget, type TargetArgs } from '../credentials/target.ts';
import { posixQuote } from '../shell/formats/posix.ts';
import { direnvScript } from '../shell/scripts.ts';

export interface DirenvArgs extends TargetArgs {
  watchFiles?: boolean;
}

/** Every path whose change should make direnv evaluate `use atmos` again. */
export async function watchedPaths(a: TargetArgs): Promise<string[]> {
  const r = await resolveTarget(a);
  const paths = [...r.files, ...r.dirs];
  if (r.identity && r.chain.length) paths.push(join(credentialsDir(), `${chainKey(r.chain, r.profiles)}.json`));
  return [...new Set(paths)];
}

export async function run(a: DirenvArgs): Promise<number> {
  if (!a.watchFiles) {
    process.stdout.write(direnvScript());
    return 0;
  }
  const paths = await watchedPaths(a);
  if (paths.length) process.stdout.write(`watch_file ${paths.map(posixQuote).join(' ')}\n`);
  return 0;
}
