/**
 * `atmos-auth allow [dir]`: trusts the Atmos repository holding `dir` (default: the current
 * directory), pinning the endpoints of every identity chain its configuration can produce. Until
 * then the hook and `export` neither sign in nor serve cached credentials there.
 */
import { describePin, readTrust, repoKey, writeTrust, type Pin } from '../trust/trust.ts';
import { withLock } from '../util/lock.ts';

export interface AllowArgs {
  dir?: string;
  profile?: string;
}

const pinKey = (p: Pin) => JSON.stringify([p.kind, p.name.toLowerCase(), p.values]);

export async function run(a: AllowArgs): Promise<number> {
  const { repoPins } = await import('../trust/pins.ts');
  const r = repoPins(a.dir ?? process.cwd(), process.env, a.profile);
  const root = repoKey(r.root);
  let before: Pin[] | null = null;
  await withLock('trust', async () => {
    const repos = readTrust();
    before = repos[root]?.pins ?? null;
    repos[root] = { root, allowedAt: new Date().toISOString(), pins: r.pins };
    await writeTrust(repos);
  });
  for (const p of r.problems) process.stderr.write(`atmos-auth: note: not pinned (${p})\n`);
  const old = new Set((before as Pin[] | null)?.map(pinKey) ?? []);
  const now = new Set(r.pins.map(pinKey));
  const lines = [`allowed ${JSON.stringify(root).slice(1, -1)}${before ? ' (again)' : ''}: atmos-auth may sign in for it through`];
  for (const p of r.pins) lines.push(`  ${JSON.stringify(describePin(p)).slice(1, -1)}${before && !old.has(pinKey(p)) ? '   [new]' : ''}`);
  if (r.pins.length === 0) lines.push('  (no identity in any profile: nothing to sign in to yet)');
  for (const p of (before as Pin[] | null) ?? []) if (!now.has(pinKey(p))) lines.push(`  ${JSON.stringify(describePin(p)).slice(1, -1)}   [no longer allowed]`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
