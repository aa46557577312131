/**
 * `atmos-auth deny [dir]`: removes the allow record of the repository holding `dir` (or of the
 * path itself, as `atmos-auth allowed` lists it, when that repository is gone).
 */
import { resolve as resolvePath } from 'node:path';
import { readTrust, repoKey, writeTrust } from '../trust/trust.ts';
import { withLock } from '../util/lock.ts';

export interface DenyArgs {
  dir?: string;
}

/** The repository root holding `dir`, or null when there is none (no YAML error is fatal here). */
async function rootOf(dir: string): Promise<string | null> {
  try {
    const { repoPins } = await import('../trust/pins.ts');
    return repoKey(repoPins(dir).root);
  } catch {
    return null;
  }
}

export async function run(a: DenyArgs): Promise<number> {
  const dir = resolvePath(a.dir ?? process.cwd());
  const candidates = [...new Set([repoKey(dir), dir, ...[await rootOf(dir)].filter((x): x is string => !!x)])];
  const removed: string[] = [];
  await withLock('trust', async () => {
    const repos = readTrust();
    for (const c of candidates) {
      if (repos[c]) {
        delete repos[c];
        removed.push(c);
      }
    }
    if (removed.length) await writeTrust(repos);
  });
  const show = (s: string) => JSON.stringify(s).slice(1, -1);
  if (removed.length) process.stdout.write(removed.map((r) => `denied ${show(r)}: the hook and export will no longer sign in for it\n`).join(''));
  else process.stdout.write(`${show(candidates[candidates.length - 1]!)} was not allowed: nothing to remove\n`);
  return 0;
}
