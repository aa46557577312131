/**
 * `atmos-auth allowed [--json]`: the allowed repositories and what each allow pinned (endpoints,
 * accounts and roles, account ids learned through SSO since), and those an older version allowed
 * that need a new allow.
 */
import { existsSync } from 'node:fs';
import { legacyAllowed, readAllRecords, type TrustRecord } from '../trust/record.ts';
import { decodeTarget, describeTarget } from '../trust/targets.ts';
import { describePin, shown } from '../trust/trust.ts';

export interface AllowedArgs {
  json?: boolean;
}

/** `account plat-dev, permission set X (aws/permission-set; 200000000001 through SSO)`. */
function targetLine(r: TrustRecord, key: string): string {
  const t = decodeTarget(key);
  const ids = t?.kind === 'aws/permission-set' && t.parts[0] === 'name'
    ? Object.values(r.accounts).map((m) => (Object.hasOwn(m, t.parts[1]!) ? m[t.parts[1]!] : undefined)).filter((x): x is string => !!x)
    : [];
  return `${describeTarget(key)} (${t?.kind ?? '?'}${ids.length ? `; ${[...new Set(ids)].join(', ')} through SSO` : ''})`;
}

export async function run(a: AllowedArgs): Promise<number> {
  const recs = readAllRecords();
  const have = new Set(recs.map((r) => r.root));
  const legacy = legacyAllowed().filter((root) => !have.has(root));
  if (a.json) {
    const out = [
      ...recs.map((r) => ({ version: 2, ...r, exists: existsSync(r.root) })),
      ...legacy.map((root) => ({ version: 1, root, exists: existsSync(root), needsAllow: true })),
    ].sort((x, y) => x.root.localeCompare(y.root));
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return 0;
  }
  if (recs.length === 0 && legacy.length === 0) {
    process.stdout.write('no repository is allowed yet: run `atmos-auth allow` in one\n');
    return 0;
  }
  const lines: string[] = [];
  for (const r of recs) {
    lines.push(`${shown(r.root)}${existsSync(r.root) ? '' : '   (missing: `atmos-auth deny` it)'}   allowed ${shown(r.allowedAt)}`);
    for (const p of r.pins) lines.push(`  ${shown(describePin(p))}`);
    for (const k of r.targets) lines.push(`  reaches ${shown(targetLine(r, k))}`);
  }
  for (const root of legacy) {
    lines.push(`${shown(root)}   allowed by an older atmos-auth (sign-in endpoints only): not trusted until you run \`atmos-auth allow\` in it again`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
