/**
 * Trusted repositories, as `direnv allow`: a repository root (realpath) is allowed together with
 * the endpoints its configuration sends you to (each root provider's start URL and region, and the
 * like for other kinds: pins.ts). The record lives in `<config>/trust.json` (0600, atomic writes).
 *
 * This module is on the warm path of `export`: it reads one small JSON file and compares the
 * Resolution's root hop with the pins; it imports no YAML code and no SDK.
 */
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import type { ChainHop, Resolution } from '../atmos/types.ts';
import { AtmosAuthError } from '../errors.ts';
import { debug, writeStderr } from '../log.ts';
import { paths } from '../paths.ts';
import { posixQuote } from '../shell/formats/posix.ts';
import { readPrivateFile, writePrivateFile } from '../util/secure-file.ts';

/** One pinned root of an identity chain: its kind, name and endpoint-like values. */
export interface Pin {
  kind: ChainHop['kind'];
  /** Provider (or aws/user identity) name as written. */
  name: string;
  /** Field -> value, e.g. start_url, region (absent values are ''). */
  values: Record<string, string>;
}

/** The allow record of one repository. */
export interface TrustRecord {
  root: string;
  allowedAt: string;
  pins: Pin[];
}

interface TrustFile {
  version: 1;
  repos: Record<string, TrustRecord>;
}

/** Exit status of a refused `export` (not allowed, or a pinned value changed). */
export const UNTRUSTED_EXIT = 3;

/** `export` (or the hook) in a repository that is not allowed, or whose pins changed. */
export class UntrustedRepositoryError extends AtmosAuthError {
  override readonly exitCode: number = UNTRUSTED_EXIT;
}

/** Path of the trust records. */
export function trustFile(): string {
  return join(paths.config, 'trust.json');
}

/** The key of a repository root: its real path (a symlinked checkout is the same repository). */
export function repoKey(root: string): string {
  try {
    return realpathSync.native(root);
  } catch {
    return root;
  }
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
  const fields = PINNED_FIELDS[p.kind].map(([f, label]) => `${label} ${p.values[f] || '(none)'}`);
  return `${p.name} (${p.kind}${fields.length ? `, ${fields.join(', ')}` : ''})`;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parsePin(v: unknown): Pin | null {
  if (!isObj(v) || typeof v.kind !== 'string' || typeof v.name !== 'string' || !isObj(v.values)) return null;
  if (!(v.kind in PINNED_FIELDS)) return null;
  const values: Record<string, string> = {};
  for (const [k, x] of Object.entries(v.values)) if (typeof x === 'string') values[k] = x;
  return { kind: v.kind as ChainHop['kind'], name: v.name, values };
}

/** Every record. A missing or corrupted file means nothing is allowed (fail closed). */
export function readTrust(): Record<string, TrustRecord> {
  const text = readPrivateFile(trustFile());
  if (text === null) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    debug(`trust: ${trustFile()} is not valid JSON: treating every repository as not allowed`);
    return {};
  }
  if (!isObj(raw) || raw.version !== 1 || !isObj(raw.repos)) return {};
  const out: Record<string, TrustRecord> = {};
  for (const [root, r] of Object.entries(raw.repos)) {
    if (!isObj(r) || !Array.isArray(r.pins)) continue;
    const pins = r.pins.map(parsePin).filter((p): p is Pin => p !== null);
    out[root] = { root, allowedAt: typeof r.allowedAt === 'string' ? r.allowedAt : '', pins };
  }
  return out;
}

/** Writes every record (atomically, 0600). Callers hold the trust lock. */
export async function writeTrust(repos: Record<string, TrustRecord>): Promise<void> {
  const body: TrustFile = { version: 1, repos };
  await writePrivateFile(trustFile(), `${JSON.stringify(body, null, 2)}\n`);
}

/** The record of the repository at `root`, or null. */
export function recordFor(root: string): TrustRecord | null {
  return readTrust()[repoKey(root)] ?? null;
}

/** What the trust check found for one resolution. */
export type TrustVerdict =
  | { ok: true; root: string | null }
  | { ok: false; root: string; why: 'not-allowed' | 'changed' | 'new'; detail: string; pin: Pin };

/** The one command that allows `root`, quoted for a POSIX shell when it needs to be. */
export function allowCommand(root: string): string {
  return `atmos-auth allow ${/^[A-Za-z0-9_./@%+=:,-]+$/.test(root) ? root : posixQuote(root)}`;
}

/** Control characters and newlines out of a value shown in a one-line message. */
function shown(s: string): string {
  return JSON.stringify(s).slice(1, -1);
}

function sameKind(p: Pin, q: Pin): boolean {
  return p.kind === q.kind && p.name.toLowerCase() === q.name.toLowerCase();
}

function sameValues(p: Pin, q: Pin): boolean {
  return PINNED_FIELDS[p.kind].every(([f]) => (p.values[f] ?? '') === (q.values[f] ?? ''));
}

/**
 * Compares a resolution's root hop with the allow record of its repository. Resolutions without an
 * identity (nothing will be fetched) are always ok.
 */
export function checkTrust(res: Resolution, record: TrustRecord | null | undefined = undefined): TrustVerdict {
  const hop = res.chain[0];
  if (!res.root || !res.identity || !hop) return { ok: true, root: res.root };
  const root = repoKey(res.root);
  const rec = record === undefined ? recordFor(root) : record;
  const want = pinOf(hop);
  if (!rec) return { ok: false, root, why: 'not-allowed', detail: `${shown(root)} is not allowed`, pin: want };
  if (rec.pins.some((p) => sameKind(p, want) && sameValues(p, want))) return { ok: true, root };
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

/**
 * For commands that run on their own (the hook's `export`): throws UntrustedRepositoryError, one
 * line naming the repository and the command that allows it, before anything touches the network
 * or the credentials cache.
 */
export function requireTrust(res: Resolution): void {
  const v = checkTrust(res);
  if (v.ok) return;
  const what = v.why === 'not-allowed' ? 'atmos-auth will not sign in for it until you allow it' : 'check the change, then allow it again';
  throw new UntrustedRepositoryError(`${v.detail}; ${what}: ${allowCommand(v.root)}`);
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
