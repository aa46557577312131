/** `atmos-auth allowed [--json]`: the allowed repositories and what each allow pinned. */
import { existsSync } from 'node:fs';
import { describePin, readTrust } from '../trust/trust.ts';

export interface AllowedArgs {
  json?: boolean;
}

export async function run(a: AllowedArgs): Promise<number> {
  const recs = Object.values(readTrust()).sort((x, y) => x.root.localeCompare(y.root));
  if (a.json) {
    process.stdout.write(`${JSON.stringify(recs.map((r) => ({ ...r, exists: existsSync(r.root) })), null, 2)}\n`);
    return 0;
  }
  if (recs.length === 0) {
    process.stdout.write('no repository is allowed yet: run `atmos-auth allow` in one\n');
    return 0;
  }
  const show = (s: string) => JSON.stringify(s).slice(1, -1);
  const lines: string[] = [];
  for (const r of recs) {
    lines.push(`${show(r.root)}${existsSync(r.root) ? '' : '   (missing: `atmos-auth deny` it)'}   allowed ${r.allowedAt}`);
    for (const p of r.pins) lines.push(`  ${show(describePin(p))}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
