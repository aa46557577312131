/**
 * `atmos-auth doctor`: the users' guide's troubleshooting checklist (shared/seed, "Troubleshooting")
 * run against the real state, one line per check with its fix. Local checks always run; the
 * network ones (clock, permission-set assignment) only for an allowed repository with a valid or
 * refreshable SSO session, never with a browser, and never with --offline. Exit 1 when anything
 * needed for `cd` -> credentials fails.
 */
import { resolve as resolvePath } from 'node:path';
import { didYouMean } from '../atmos/chain.ts';
import { discoverConfig } from '../atmos/config.ts';
import { findConfigRoot } from '../atmos/config-root.ts';
import { IdentityConfigError } from '../atmos/identity.ts';
import { activeProfileNames, availableProfiles, profileLocations } from '../atmos/profiles.ts';
import { Reader } from '../atmos/reader.ts';
import { resolveContext } from '../atmos/resolve.ts';
import type { ChainHop, Resolution } from '../atmos/types.ts';
import { listCached, secondsLeft } from '../credentials/cache.ts';
import { fmtLeft } from '../credentials/get-credentials.ts';
import { AtmosAuthError } from '../errors.ts';
import { allowCommand, checkTrust, readRecord } from '../trust/trust.ts';
import { checkCacheModes, checkDirenv, checkHook, type DoctorCheck } from './doctor-local.ts';
import { computeMatrix, type MatrixCell } from './matrix.ts';
import { realDir } from '../atmos/path-facts.ts';

export interface DoctorArgs {
  dir?: string;
  profile?: string;
  stack?: string;
  component?: string;
  json?: boolean;
  offline?: boolean;
}

type SsoHop = Extract<ChainHop, { kind: 'aws/iam-identity-center' }>;
type PsHop = Extract<ChainHop, { kind: 'aws/permission-set' }>;

/** A span for long lifetimes too: days past 2 days (a registration lasts 90). */
const span = (seconds: number) => (seconds >= 2 * 86400 ? `${Math.floor(seconds / 86400)}d` : fmtLeft(seconds));
const oneLine = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
const hintOf = (err: unknown) => (err instanceof AtmosAuthError ? err.hint : undefined);


/**
 * Where the active profiles come from, in Atmos's order: --profile or ATMOS_PROFILE
 * (pkg/config/load.go:321-360 getProfilesFromFlagsOrEnv), else `profiles.default` of the base
 * atmos.yaml (load.go:536-550).
 */
function profileSource(a: DoctorArgs, env: NodeJS.ProcessEnv): string {
  if (a.profile) return '--profile';
  if (env.ATMOS_PROFILE) return 'ATMOS_PROFILE';
  return 'profiles.default in atmos.yaml';
}

/** The profile check; false when a named profile does not exist (resolution would fail on it). */
function checkProfiles(a: DoctorArgs, env: NodeJS.ProcessEnv, root: string, config: Parameters<typeof profileLocations>[0], out: DoctorCheck[]): boolean {
  const active = activeProfileNames(a.profile, env, config);
  const available = availableProfiles(profileLocations(config, root, env));
  if (!active.length) {
    out.push(available.length
      ? { id: 'profile', status: 'warn', summary: `no profile active (ATMOS_PROFILE is unset); the repository has: ${available.join(', ')}`, fix: `export ATMOS_PROFILE=${available[0]}` }
      : { id: 'profile', status: 'ok', summary: 'no profile active, and the repository defines none (atmos.yaml alone)' });
    return true;
  }
  const missing = active.filter((p) => !available.includes(p));
  if (missing.length) {
    const p = missing[0]!;
    const guess = didYouMean(p, available);
    const fixed = active.map((x) => (x === p && guess ? guess : x)).join(',');
    out.push({
      id: 'profile', status: 'fail',
      summary: `profile ${p} (from ${profileSource(a, env)}) does not exist${guess ? ` (did you mean ${guess}?)` : ''}; the repository has: ${available.join(', ') || 'none'}`,
      fix: guess ? (a.profile ? `--profile ${fixed}` : `export ATMOS_PROFILE=${fixed}`) : `export ATMOS_PROFILE=${available[0] ?? '<profile>'}`,
    });
    return false;
  }
  out.push({ id: 'profile', status: 'ok', summary: `${active.join(',')} (from ${profileSource(a, env)})` });
  return true;
}

/** Matrix cells of `identity` in every profile of the repository (computeMatrix): who gives it what. */
function otherProfiles(root: string, env: NodeJS.ProcessEnv, identity: string): { profile: string; cell: MatrixCell }[] {
  try {
    const m = computeMatrix(root, env, { group: false });
    const row = m.rows.find((r) => r.identities.some((i) => i.toLowerCase() === identity.toLowerCase()));
    if (!row) return [];
    return Object.entries(row.cells).filter((e): e is [string, MatrixCell] => e[1] !== null).map(([profile, cell]) => ({ profile, cell }));
  } catch {
    return [];
  }
}

function describeTarget(res: Resolution): string {
  const last = res.chain[res.chain.length - 1];
  if (!last) return '';
  if (last.kind === 'aws/permission-set') return ` -> permission set ${last.permissionSet} in account ${last.account.name ?? last.account.id ?? '?'}`;
  if (last.kind === 'aws/assume-role') return ` -> role ${last.roleArn}`;
  return ` (${last.kind})`;
}

/** The SSO session of the chain's provider: where cached, time left, refreshable, registration. */
async function checkSession(sp: SsoHop, now: number): Promise<{ check: DoctorCheck; usable: boolean; files: string[] }> {
  const { peekSsoCaches } = await import('../aws/sso-session.ts');
  const { locateToken, readCandidates } = await import('../aws/token-cache.ts');
  const p = { name: sp.name, startUrl: sp.startUrl, region: sp.region };
  const caches = peekSsoCaches(p);
  const files = caches.map((c) => c.file);
  const login = `atmos-auth login --provider ${sp.name}`;
  if (!caches.length) {
    return { check: { id: 'sso-session', status: 'fail', summary: `no SSO session for provider ${sp.name} (${sp.startUrl}) in the AWS CLI's or Atmos's cache`, fix: login }, usable: false, files };
  }
  const best = [...caches].sort((a, b) => Number(b.expiresAt.getTime() > now) - Number(a.expiresAt.getTime() > now) || Number(b.refreshable) - Number(a.refreshable))[0]!;
  const reg = readCandidates(p, locateToken(p)).find((t) => t.file === best.file)?.registrationExpiresAt;
  const left = Math.floor((best.expiresAt.getTime() - now) / 1000);
  const regWords = reg ? (reg.getTime() > now ? `client registration valid for ${span(Math.floor((reg.getTime() - now) / 1000))}` : 'client registration expired') : 'no client registration';
  const where = `cached in ${caches.map((c) => c.file).join(', ')}`;
  const detail = where;
  if (left > 0) {
    return { check: { id: 'sso-session', status: 'ok', summary: `${sp.name}: valid for ${fmtLeft(left)}, ${best.refreshable ? 'refreshable' : 'not refreshable'}, ${regWords}; ${where}`, detail }, usable: true, files };
  }
  if (best.refreshable) {
    return { check: { id: 'sso-session', status: 'warn', summary: `${sp.name}: expired, refreshable (the next cd refreshes it without a browser), ${regWords}; ${where}`, detail }, usable: true, files };
  }
  return { check: { id: 'sso-session', status: 'fail', summary: `${sp.name}: expired and not refreshable (${regWords}); ${where}`, fix: login, detail }, usable: false, files };
}

/** Runs every check for the directory (or --stack) and the machine; the checks in report order. */
export async function diagnose(a: DoctorArgs, env: NodeJS.ProcessEnv = process.env): Promise<DoctorCheck[]> {
  const out: DoctorCheck[] = [];
  const now = Date.now();
  const dir = realDir(resolvePath(a.dir ?? process.cwd()));
  const tokenFiles: string[] = [];
  const tail = () => {
    out.push(checkCacheModes(tokenFiles), checkHook(env), checkDirenv(env));
    return out;
  };
  const skipRest = (why: string, ...ids: string[]) => {
    for (const id of ids) out.push({ id, status: 'skip', summary: why });
  };
  const root = findConfigRoot(dir, env);
  if (root === null) {
    out.push({ id: 'repository', status: 'fail', summary: `no atmos.yaml in ${dir} or any directory above it`, fix: 'cd into your Atmos repository (or pass --dir DIR)' });
    skipRest('no Atmos repository', 'trust', 'profile', 'stacks', 'identity', 'sso-session', 'clock', 'permission-set');
    return tail();
  }
  const reader = new Reader(dir, env);
  let base;
  try {
    base = discoverConfig(reader);
  } catch (err) {
    out.push({ id: 'repository', status: 'fail', summary: oneLine(err), ...(hintOf(err) ? { fix: hintOf(err)! } : {}) });
    skipRest('atmos.yaml does not load', 'trust', 'profile', 'stacks', 'identity', 'sso-session', 'clock', 'permission-set');
    return tail();
  }
  out.push({ id: 'repository', status: 'ok', summary: `${root} (${base.sources.filter((s) => s.startsWith(root)).join(', ') || 'atmos.yaml'})`, detail: root });
  const record = readRecord(root);
  const trustAt = out.length;
  out.push(record
    ? { id: 'trust', status: 'ok', summary: `allowed on ${record.allowedAt.slice(0, 10)}; pins unchanged` }
    : { id: 'trust', status: 'fail', summary: `${root} is not allowed: the hook reads nothing of it and signs in for nothing`, fix: allowCommand(root) });
  const profilesOk = checkProfiles(a, env, root, base.config, out);
  let res: Resolution | null = null;
  let others: { profile: string; cell: MatrixCell }[] = [];
  if (!profilesOk) {
    skipRest('fix the profile first', 'stacks', 'identity');
  } else {
    try {
      res = resolveContext({ dir, ...(a.profile ? { profile: a.profile } : {}), env, ...(a.stack ? { select: { stack: a.stack, ...(a.component ? { component: a.component } : {}) } } : {}) }).resolution;
    } catch (err) {
      const undefinedIdentity = err instanceof IdentityConfigError;
      out.push({ id: 'stacks', status: undefinedIdentity ? 'ok' : 'fail', summary: undefinedIdentity ? 'the stacks resolve; their default identity does not (below)' : oneLine(err), ...(!undefinedIdentity && hintOf(err) ? { fix: hintOf(err)! } : {}) });
      out.push(undefinedIdentity
        ? { id: 'identity', status: 'fail', summary: oneLine(err), ...(hintOf(err) ? { fix: hintOf(err)! } : {}) }
        : { id: 'identity', status: 'skip', summary: 'the stacks do not resolve' });
    }
  }
  if (res) {
    out.push(res.stacks.length
      ? { id: 'stacks', status: 'ok', summary: `${a.stack ? 'stack' : 'this directory\'s stacks'}: ${res.stacks.join(', ')}` }
      : { id: 'stacks', status: 'ok', summary: 'no stack manifest in this directory (the hook leaves the shell as it is)' });
    if (!res.identity) {
      out.push({ id: 'identity', status: res.stacks.length ? 'warn' : 'ok', summary: `no identity: ${res.reason ?? 'none applies'}` });
    } else {
      others = otherProfiles(root, env, res.identity);
      const defining = others.map((o) => o.profile).filter(Boolean);
      out.push({ id: 'identity', status: 'ok', summary: `${res.identity} (${res.source === 'env' ? 'ATMOS_IDENTITY' : res.source ? `from the ${res.source}` : 'default'})${describeTarget(res)}; defined by profiles: ${defining.join(', ') || '(atmos.yaml)'}` });
    }
    if (record) {
      const v = checkTrust(res, record);
      if (!v.ok) out[trustAt] = { id: 'trust', status: 'fail', summary: v.detail, fix: allowCommand(v.root) };
    }
  }
  const sso = res?.chain[0]?.kind === 'aws/iam-identity-center' ? (res.chain[0] as SsoHop) : null;
  let usable = false;
  if (!res?.identity) {
    skipRest('no identity here', 'sso-session', 'clock', 'permission-set');
  } else if (!sso) {
    skipRest(`${res.identity} does not sign in through IAM Identity Center`, 'sso-session', 'clock', 'permission-set');
  } else {
    const s = await checkSession(sso, now);
    out.push(s.check);
    tokenFiles.push(...s.files);
    usable = s.usable;
    const trusted = out[trustAt]!.status === 'ok';
    const why = a.offline ? '--offline' : !trusted ? 'the repository is not allowed as it is (no network for it)' : !usable ? 'no valid or refreshable SSO session (doctor never opens a browser)' : '';
    if (why) {
      skipRest(why, 'clock', 'permission-set');
    } else {
      const { checkAssignment, checkClock } = await import('./doctor-network.ts');
      out.push(await checkClock(sso.region));
      const ps = res.chain.find((h): h is PsHop => h.kind === 'aws/permission-set');
      const sp = { name: sso.name, startUrl: sso.startUrl, region: sso.region, ...(sso.sessionDuration ? { sessionDuration: sso.sessionDuration } : {}) };
      if (ps) out.push(...(await checkAssignment(sp, ps, others.filter((o) => !res!.profiles.includes(o.profile)))));
      else out.push({ id: 'permission-set', status: 'skip', summary: 'the chain has no permission set' });
    }
  }
  if (res?.identity) {
    const cached = listCached().find((e) => e.identity === res!.identity && e.profiles.join(',') === res!.profiles.join(','));
    if (cached) {
      const left = secondsLeft(cached.credentials, now);
      out.push({ id: 'credentials', status: 'ok', summary: `${res.identity}: cached, ${fmtLeft(left)}${left > 0 && left !== Infinity ? ' left' : ''}` });
    } else {
      out.push({ id: 'credentials', status: 'ok', summary: `${res.identity}: nothing cached yet (the next cd fetches them)` });
    }
  }
  return tail();
}

/** Control characters (terminal escapes, newlines) as \uXXXX; quotes and the rest as written. */
const plain = (s: string) => s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

const MARKS_UTF8 = { ok: '✓', warn: '!', fail: '✗', skip: '-' } as const;
const MARKS_ASCII = { ok: '[ok]  ', warn: '[warn]', fail: '[FAIL]', skip: '[skip]' } as const;

/** UTF-8 marks unless the locale says otherwise (LC_ALL, then LC_CTYPE, then LANG, as setlocale reads them). */
export function marksFor(env: NodeJS.ProcessEnv): Record<DoctorCheck['status'], string> {
  const loc = env.LC_ALL || env.LC_CTYPE || env.LANG || '';
  return /utf-?8/i.test(loc) ? MARKS_UTF8 : MARKS_ASCII;
}

/** The text report: one line per check, its fix indented below. */
export function renderChecks(checks: DoctorCheck[], env: NodeJS.ProcessEnv): string {
  const m = marksFor(env);
  const width = Math.max(...checks.map((c) => c.id.length));
  const lines: string[] = [];
  // Names and paths come from the repository's YAML: control characters never reach the terminal.
  for (const c of checks) {
    lines.push(`${m[c.status]} ${c.id.padEnd(width)}  ${plain(c.summary)}`);
    if (c.fix && c.status !== 'ok') lines.push(`${' '.repeat(m.ok.length + width + 3)}fix: ${plain(c.fix)}`);
  }
  const failed = checks.filter((c) => c.status === 'fail').length;
  lines.push(failed ? `${failed} check(s) failed: cd -> credentials will not work until fixed` : 'everything cd -> credentials needs works');
  return `${lines.join('\n')}\n`;
}

/** The command: 0 when nothing failed, 1 otherwise. */
export async function run(a: DoctorArgs): Promise<number> {
  const checks = await diagnose(a);
  const ok = !checks.some((c) => c.status === 'fail');
  process.stdout.write(a.json ? `${JSON.stringify({ checks, ok }, null, 2)}\n` : renderChecks(checks, process.env));
  return ok ? 0 : 1;
}
