/**
 * `atmos-auth deny [dir]`: removes the allow record of the repository holding `dir` (or of the
 * path itself, as `atmos-auth allowed` lists it, when that repository is gone), also one an older
 * version wrote. The root is found by file existence, as the hook finds it: no YAML is read.
 */
import { resolve as resolvePath } from 'node:path';
import { findConfigRoot } from '../atmos/config-root.ts';
import { forgetLegacy, removeRecord, repoKey } from '../trust/record.ts';
import { shown } from '../trust/trust.ts';
import { withLock } from '../util/lock.ts';
import { realDir } from '../atmos/fsutil.ts';

export interface DenyArgs {
  dir?: string;
}


export async function run(a: DenyArgs): Promise<number> {
  const dir = resolvePath(a.dir ?? process.cwd());
  const found = findConfigRoot(realDir(dir), process.env);
  const candidates = [...new Set([repoKey(dir), dir, ...(found ? [repoKey(found)] : [])])];
  const removed: string[] = [];
  await withLock('trust', async () => {
    for (const c of candidates) {
      const a = removeRecord(c);
      const b = await forgetLegacy(c);
      if (a || b) removed.push(c);
    }
  });
  if (removed.length) process.stdout.write(removed.map((r) => `denied ${shown(r)}: the hook and export will no longer sign in for it\n`).join(''));
  else process.stdout.write(`${shown(candidates[candidates.length - 1]!)} was not allowed: nothing to remove\n`);
  return 0;
}
