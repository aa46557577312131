/**
 * Trusted repositories, as `direnv allow`: a repository root (realpath) is allowed together with
 * the endpoints its configuration sends you to (each chain root's start URL and region, and the
 * like for other kinds: PINNED_FIELDS) and the accounts and roles its identities reach (targets.ts).
 * Records: record.ts (one 0600 file per repository).
 *
 * The hook's `export` asks twice: admitHook() before anything of the repository is read (finds the
 * root by file existence, reads its record: a repository that is not allowed stops there, no YAML
 * opened), then requireTrust() on the resolved chain, in memory, against that same record.
 *
 * This module is on the warm path of `export`: it imports no YAML code, no SDK and no lock.
 */
import { findConfigRoot } from '../atmos/config-root.ts';
import type { ChainHop, Resolution } from '../atmos/types.ts';
import { AtmosAuthError } from '../errors.ts';
import { writeStderr } from '../log.ts';
import { posixQuote } from '../shell/formats/posix.ts';
import { legacyAllowed, own, readRecord, repoKey, type Pin, type TrustRecord } from './record.ts';
import { decodeTarget, describeTarget, shownTarget, targetKey } from './targets.ts';
import { realDir } from '../atmos/path-facts.ts';

export { readRecord, repoKey, type Pin, type TrustRecord };

/** Exit status of a refused `export` (not allowed, or a pinned value changed). */
export const UNTRUSTED_EXIT = 3;

/** `export` (or the hook) in a repository that is not allowed, or whose pins changed. */
export class UntrustedRepositoryError extends AtmosAuthError {
  override readonly exitCode: number = UNTRUSTED_EXIT;
}

/** The fields of a root hop that an allow pins, by kind, with the words used in messages. */
export const PINNED_FIELDS: Record<ChainHop['kind'], [field: string, label: string][]> = {
  'aws/iam-identity-center': [['start_url', 'start URL'], ['region', 'region']],
  'github/oidc': [['audience', 'audience'], ['region', 'region']],
  'aws/saml': [['url', 'URL'], ['region', 'region']],
  'aws/user': [['mfa_arn', 'MFA device'], ['region', 'region']],
  // Never a chain root, but the table is total.
  'aws/permission-set': [],
  'aws/assume-role': [['role_arn', 'role'], ['region', 'region']],
  // Never a chain root (it needs AWS credentials from a previous hop).
  'aws/assume-root': [],
  // The environment's own credentials: nothing of the repository's to pin at the root.
  'aws/ambient': [],
  'ambient': [],
  // Nothing is ever fetched through it.
  'unsupported': [],
};

/** The pinned fields of a kind read from a record (none for a kind this version does not know). */
function pinnedFields(kind: string): [field: string, label: string][] {
  return Object.hasOwn(PINNED_FIELDS, kind) ? PINNED_FIELDS[kind as ChainHop['kind']] : [];
}

/** The pin a chain's root hop amounts to. */
export function pinOf(hop: ChainHop): Pin {
  const v: Record<string, string> = {};
  switch (hop.kind) {
    case 'aws/iam-identity-center':
      v.start_url = hop.startUrl;
      v.region = hop.region;
      break;
    case 'github/oidc':
      v.audience = hop.audience;
      v.region = hop.region ?? '';
      break;
    case 'aws/saml':
      v.url = hop.url ?? '';
      v.region = hop.region ?? '';
      break;
    case 'aws/user':
      v.mfa_arn = hop.mfaArn ?? '';
      v.region = hop.region ?? '';
      break;
    case 'aws/assume-role':
      v.role_arn = hop.roleArn;
      v.region = hop.region ?? '';
      break;
    case 'aws/permission-set':
      break;
  }
  return { kind: hop.kind, name: hop.name, values: v };
}

/** `acme-sso (aws/iam-identity-center) at https://... (us-east-1)`: a pin in words. */
export function describePin(p: Pin): string {
  const fields = pinnedFields(p.kind).map(([f, label]) => `${label} ${p.values[f] || '(none)'}`);
  return `${p.name} (${p.kind}${fields.length ? `, ${fields.join(', ')}` : ''})`;
}

/** What the trust check found for one resolution. */
export type TrustVerdict =
  | { ok: true; root: string | null }
  | { ok: false; root: string; why: 'not-allowed' | 'legacy' | 'changed' | 'new' | 'target'; detail: string; pin: Pin };

/** The one command that allows `root`, quoted for a POSIX shell when it needs to be. */
export function allowCommand(root: string): string {
  return `atmos-auth allow ${/^[A-Za-z0-9_./@%+=:,-]+$/.test(root) ? root : posixQuote(root)}`;
}

/** Control characters and newlines out of a value shown in a one-line message. */
export function shown(s: string): string {
  return JSON.stringify(s).slice(1, -1);
}

function sameKind(p: Pin, q: Pin): boolean {
  return p.kind === q.kind && p.name.toLowerCase() === q.name.toLowerCase();
}

function sameValues(p: Pin, q: Pin): boolean {
  return pinnedFields(p.kind).every(([f]) => (p.values[f] ?? '') === (q.values[f] ?? ''));
}

/** Why there is no record for `root`: never allowed, or allowed by version 1 (endpoints only). */
function notAllowed(root: string): { why: 'not-allowed' | 'legacy'; detail: string } {
  if (legacyAllowed().includes(root)) {
    return { why: 'legacy', detail: `${shown(root)} was allowed by an older atmos-auth, which pinned sign-in endpoints only: atmos-auth now pins accounts and roles too` };
  }
  return { why: 'not-allowed', detail: `${shown(root)} is not allowed` };
}

/** True when the target `key` (of a hop in a chain rooted at `root`) is within the record. */
function pinnedTarget(rec: TrustRecord, key: string, root: ChainHop | undefined): boolean {
  if (rec.targets.includes(key)) return true;
  // A permission set named by account id is pinned when a pinned account name resolved to it.
  const t = decodeTarget(key);
  if (root?.kind !== 'aws/iam-identity-center' || t?.kind !== 'aws/permission-set' || t.parts[0] !== 'id') return false;
  for (const [name, id] of Object.entries(own(rec.accounts, root.startUrl) ?? {})) {
    if (id === t.parts[1] && rec.targets.includes(JSON.stringify([t.kind, 'name', name, t.parts[2] ?? '']))) return true;
  }
  return false;
}

/**
 * How target `key` differs from `before` (what the same identity reached at allow time), in words:
 * `account changed from A to B`; null when the identity reached nothing of the same kind.
 */
export function targetChangeWords(before: string[], key: string): string | null {
  const kind = decodeTarget(key)?.kind;
  const same = before.filter((k) => decodeTarget(k)?.kind === kind);
  if (!same.length) return null;
  const changes: string[] = [];
  for (const [label, value] of shownTarget(key)) {
    const was = [...new Set(same.flatMap((k) => shownTarget(k).filter(([l]) => l === label).map(([, v]) => v)))];
    if (!was.includes(value)) changes.push(`${label} changed from ${was.map(shown).join(' or ')} to ${shown(value)}`);
  }
  if (!changes.length) changes.push(`now reaches ${shown(describeTarget(key))} (was ${same.map((k) => shown(describeTarget(k))).join(' or ')})`);
  return changes.join(', ');
}

/** A target with its kind, for messages: `aws/assume-role role arn:...`. */
export function describeKindTarget(key: string): string {
  return `${decodeTarget(key)?.kind ?? '?'} ${shown(describeTarget(key))}`;
}

/** `identity X: account changed from A to B`: how hop's target differs from what X reached at allow time. */
function targetChange(rec: TrustRecord, hop: ChainHop, key: string, res: Resolution): string {
  const who = `identity ${shown(hop.name)}${res.identity && hop.name !== res.identity ? ` (in the chain of ${shown(res.identity)})` : ''}`;
  const before = (own(rec.identities, hop.name.toLowerCase()) ?? []).map((i) => rec.targets[i]).filter((k): k is string => typeof k === 'string');
  const words = targetChangeWords(before, key);
  if (words) return `${who}: ${words} since you allowed it`;
  const was = before.length ? ` (was ${before.map(describeKindTarget).join(' or ')})` : ' (new since you allowed it)';
  return `${who}${was}: ${describeKindTarget(key)} is not among the accounts and roles you allowed`;
}

/**
 * Compares a resolution's chain with the allow record of its repository: the root hop with the
 * pins, every hop's target with the pinned targets. Resolutions without an identity (nothing will
 * be fetched) are always ok. `record`: the record already read (admitHook), if any.
 */
export function checkTrust(res: Resolution, record?: TrustRecord | null): TrustVerdict {
  const hop = res.chain[0];
  if (!res.root || !res.identity || !hop) return { ok: true, root: res.root };
  // The record already read is used when it names this root (res.root is a real path already: no
  // realpath call on the warm path); anything else is looked up by the root's real path.
  const root = record?.root === res.root ? res.root : repoKey(res.root);
  const rec = record?.root === root ? record : readRecord(root);
  const want = pinOf(hop);
  if (!rec) return { ok: false, root, ...notAllowed(root), pin: want };
  if (!rec.pins.some((p) => sameKind(p, want) && sameValues(p, want))) {
    const same = rec.pins.filter((p) => sameKind(p, want));
    if (same.length === 0) {
      return { ok: false, root, why: 'new', detail: `${shown(root)}: ${shown(describePin(want))} was not in its configuration when you allowed it`, pin: want };
    }
    const changes: string[] = [];
    for (const [f, label] of PINNED_FIELDS[want.kind]) {
      const now = want.values[f] ?? '';
      const before = [...new Set(same.map((p) => p.values[f] ?? ''))];
      if (!before.includes(now)) changes.push(`${label} changed from ${before.map((b) => shown(b || '(none)')).join(' or ')} to ${shown(now || '(none)')}`);
    }
    return { ok: false, root, why: 'changed', detail: `${shown(root)}: ${want.kind} provider ${shown(want.name)}: ${changes.join(', ')} since you allowed it`, pin: want };
  }
  for (const h of res.chain) {
    const key = targetKey(h);
    if (key === null || pinnedTarget(rec, key, hop)) continue;
    return { ok: false, root, why: 'target', detail: `${shown(root)}: ${targetChange(rec, h, key, res)}`, pin: want };
  }
  return { ok: true, root };
}

/** The refusal of the hook, one line: what is wrong and the command that allows the repository. */
export function untrusted(v: { why: string; detail: string; root: string }): UntrustedRepositoryError {
  const what = v.why === 'not-allowed'
    ? 'atmos-auth will not sign in for it until you allow it'
    : v.why === 'legacy' ? 'review its configuration, then allow it again' : 'check the change, then allow it again';
  return new UntrustedRepositoryError(`${v.detail}; ${what}: ${allowCommand(v.root)}`);
}


/**
 * The hook's first step, before anything of the repository is read: finds the repository root of
 * `dir` by file existence (the root discoverConfig reports: config-root.ts) and returns its allow
 * record; throws UntrustedRepositoryError when there is none, so no manifest, profile or
 * atmos.yaml of a repository that is not allowed is ever opened, as `direnv` evaluates no
 * `.envrc` before `direnv allow`. Null outside any repository (nothing to sign in for).
 */
export function admitHook(dir: string, env: NodeJS.ProcessEnv = process.env): TrustRecord | null {
  const found = findConfigRoot(realDir(dir), env);
  return found === null ? null : requireRecord(found);
}

/** The allow record of the repository at `root`; throws the hook's refusal when there is none. */
export function requireRecord(root: string): TrustRecord {
  const rec = readRecord(root);
  if (rec) return rec;
  const key = repoKey(root);
  throw untrusted({ root: key, ...notAllowed(key) });
}

/**
 * For commands that run on their own (the hook's `export`): throws UntrustedRepositoryError, one
 * line naming the repository, what changed and the command that allows it, before anything
 * touches the network or the credentials cache. `record`: as checkTrust's.
 */
export function requireTrust(res: Resolution, record?: TrustRecord | null): void {
  const v = checkTrust(res, record);
  if (!v.ok) throw untrusted(v);
}

/**
 * For commands the user ran with intent (login, exec, whoami, export --identity, credential-
 * process): they work without an allow, but say on stderr where they are about to sign in.
 * Returns the line written, or null when the repository is allowed as it is.
 */
export function noticeUntrusted(res: Resolution, stderr?: NodeJS.WritableStream): string | null {
  const v = checkTrust(res);
  if (v.ok) return null;
  const line = `atmos-auth: ${v.detail} (${allowCommand(v.root)}); as you asked explicitly, ${shown(res.identity ?? '')} signs in through ${shown(describePin(v.pin))}\n`;
  // process.stderr only when there is something to say: building it costs milliseconds (hot path).
  if (stderr) stderr.write(line);
  else writeStderr(line);
  return line;
}
