/**
 * `atmos-auth allow [dir]`: trusts the Atmos repository holding `dir` (default: the current
 * directory), pinning the endpoints of every identity chain its configuration can produce and the
 * accounts and roles its identities reach (src/trust/targets.ts). Until then the hook and `export`
 * neither read its YAML, nor sign in, nor serve cached credentials there. On a new allow of the
 * same repository it says what changed since the previous one, then accepts it.
 */
import { dict, forgetLegacy, own, readRecord, repoKey, writeRecord, type AccountIds, type Pin, type TrustRecord } from '../trust/record.ts';
import { decodeTarget, describeTarget } from '../trust/targets.ts';
import { describeKindTarget, describePin, shown, targetChangeWords } from '../trust/trust.ts';
import { withLock } from '../util/lock.ts';

export interface AllowArgs {
  dir?: string;
  profile?: string;
}

const pinKey = (p: Pin) => JSON.stringify([p.kind, p.name.toLowerCase(), p.values]);

/** What each identity reached in a record: name -> target keys. */
function reachOf(rec: Pick<TrustRecord, 'targets' | 'identities'>): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const [id, ix] of Object.entries(rec.identities)) m.set(id, ix.map((i) => rec.targets[i]).filter((k): k is string => typeof k === 'string'));
  return m;
}

/**
 * The account ids learned through SSO that stay pinned: those of names still reached under a start
 * URL still pinned, with the answers the hook refused (pendingAccounts) accepted now.
 */
function carriedAccounts(before: TrustRecord | null, pins: Pin[], targets: string[]): { accounts: AccountIds; accepted: string[] } {
  const accounts: AccountIds = dict();
  const accepted: string[] = [];
  if (!before) return { accounts, accepted };
  const urls = new Set(pins.map((p) => p.values.start_url).filter((u): u is string => !!u));
  const names = new Set(targets.map(decodeTarget).filter((t) => t?.kind === 'aws/permission-set' && t.parts[0] === 'name').map((t) => t!.parts[1]!));
  for (const url of urls) {
    const old = own(before.accounts, url) ?? {};
    const pending = own(before.pendingAccounts, url) ?? {};
    const m: Record<string, string> = dict();
    for (const name of names) {
      const was = own(old, name);
      const now = own(pending, name) ?? was;
      if (now === undefined) continue;
      m[name] = now;
      if (was !== undefined && now !== was) accepted.push(`account ${shown(name)} (${shown(url)}): SSO now resolves it to ${shown(now)}, was ${shown(was)}`);
    }
    if (Object.keys(m).length) accounts[url] = m;
  }
  return { accounts, accepted };
}

/** Lines saying how each identity's targets changed since `before`. */
function identityChanges(before: TrustRecord, now: Pick<TrustRecord, 'targets' | 'identities'>): string[] {
  const was = reachOf(before);
  const is = reachOf(now);
  const lines: string[] = [];
  for (const [id, keys] of [...is].sort(([a], [b]) => a.localeCompare(b))) {
    const old = was.get(id);
    const added = keys.filter((k) => !old?.includes(k));
    if (!old) {
      lines.push(`identity ${shown(id)}: new, reaches ${keys.map(describeKindTarget).join(' and ')}`);
      continue;
    }
    for (const k of added) lines.push(`identity ${shown(id)}: ${targetChangeWords(old, k) ?? `now reaches ${describeKindTarget(k)} (was ${old.map(describeKindTarget).join(' or ')})`}`);
  }
  for (const id of [...was.keys()].sort()) if (!is.has(id)) lines.push(`identity ${shown(id)}: gone`);
  return lines;
}

export async function run(a: AllowArgs): Promise<number> {
  const { repoPins } = await import('../trust/pins.ts');
  const r = repoPins(a.dir ?? process.cwd(), process.env, a.profile);
  const root = repoKey(r.root);
  let before: TrustRecord | null = null;
  let legacy = false;
  let accepted: string[] = [];
  await withLock('trust', async () => {
    before = readRecord(root);
    const carried = carriedAccounts(before, r.pins, r.targets);
    accepted = carried.accepted;
    await writeRecord({ root, allowedAt: new Date().toISOString(), pins: r.pins, targets: r.targets, identities: r.identities, accounts: carried.accounts, pendingAccounts: dict() });
    legacy = await forgetLegacy(root);
  });
  const prev = before as TrustRecord | null;
  for (const p of r.problems) process.stderr.write(`atmos-auth: note: not pinned (${shown(p)})\n`);
  const oldPins = new Set(prev?.pins.map(pinKey) ?? []);
  const nowPins = new Set(r.pins.map(pinKey));
  const mark = (isNew: boolean) => (prev && isNew ? '   [new]' : '');
  const lines = [`allowed ${shown(root)}${prev ? ' (again)' : ''}: atmos-auth may sign in for it through`];
  for (const p of r.pins) lines.push(`  ${shown(describePin(p))}${mark(!oldPins.has(pinKey(p)))}`);
  if (r.pins.length === 0) lines.push('  (no identity in any profile: nothing to sign in to yet)');
  for (const p of prev?.pins ?? []) if (!nowPins.has(pinKey(p))) lines.push(`  ${shown(describePin(p))}   [no longer allowed]`);
  if (r.targets.length || prev?.targets.length) {
    lines.push('and reach these accounts and roles (any identity, any profile):');
    for (const k of r.targets) lines.push(`  ${shown(describeTarget(k))} (${decodeTarget(k)?.kind ?? '?'})${mark(!prev?.targets.includes(k))}`);
    for (const k of prev?.targets ?? []) if (!r.targets.includes(k)) lines.push(`  ${shown(describeTarget(k))} (${decodeTarget(k)?.kind ?? '?'})   [no longer allowed]`);
  }
  const changes = prev ? [...identityChanges(prev, r), ...accepted] : [];
  if (changes.length) {
    lines.push('changed since the previous allow (accepted now):');
    for (const c of changes) lines.push(`  ${c}`);
  }
  if (legacy && !prev) lines.push('(it was allowed by an older atmos-auth that pinned sign-in endpoints only: accounts and roles are pinned now)');
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
