// Shared by the hardening tests: a warmed-up sandbox (logged in, every cache written), the paths of
// each cache file, a snapshot of the cache directories (content hash, mode, owner, links) and the
// emulator's request counts.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FakeAws } from '../fake-aws/server.ts';
import { cli, sandbox, type Sandbox } from '../e2e/helpers.ts';

/** Sets every mtime of the repository copy one hour back, so the resolution and parse caches store entries at once. */
export function ageTree(dir: string): void {
  const past = new Date(Date.now() - 3600_000);
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (lstatSync(p).isDirectory()) ageTree(p);
    utimesSync(p, past, past);
  }
  utimesSync(dir, past, past);
}

/** Files under `dir` (relative paths, recursive), [] when it does not exist. */
export function listFiles(dir: string, prefix = ''): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.sort().flatMap((n) => {
    const p = join(dir, n);
    return lstatSync(p).isDirectory() ? listFiles(p, `${prefix}${n}/`) : [`${prefix}${n}`];
  });
}

/** Where each of atmos-auth's caches lives in a sandbox. */
export function cacheDirs(sb: Sandbox) {
  const own = join(sb.home, '.cache', 'atmos-auth');
  return {
    own,
    credentials: join(own, 'credentials'),
    resolve: join(own, 'resolve'),
    yaml: join(own, 'yaml'),
    sso: join(own, 'sso'),
    locks: join(own, 'locks'),
    awsSso: join(sb.home, '.aws', 'sso', 'cache'),
    /** Atmos's SSO session cache, which atmos-auth's logins write too (issue 13). */
    atmosSso: join(sb.home, '.cache', 'atmos', 'aws-sso'),
    config: join(sb.home, '.config', 'atmos-auth'),
  };
}

/** The single file of `dir` whose name matches `re` (throws when there is not exactly one). */
export function oneFile(dir: string, re: RegExp = /\.json$/): string {
  const hits = listFiles(dir).filter((f) => re.test(f));
  if (hits.length !== 1) throw new Error(`expected one file matching ${re} in ${dir}, found: ${hits.join(', ') || 'none'}`);
  return join(dir, hits[0]!);
}

/** path -> "kind mode uid sha256" of every file in the cache directories (locks excluded: they come and go). */
export type Snapshot = Record<string, string>;

export function snapshot(sb: Sandbox, extra: string[] = []): Snapshot {
  const d = cacheDirs(sb);
  const out: Snapshot = {};
  const roots = [d.own, d.awsSso, d.atmosSso, d.config];
  for (const root of roots) {
    for (const rel of listFiles(root)) {
      const p = join(root, rel);
      if (p.startsWith(d.locks)) continue;
      out[p] = describe(p);
    }
  }
  for (const p of extra) out[p] = describe(p);
  return out;
}

function describe(p: string): string {
  if (!existsSync(p) && !isLink(p)) return 'absent';
  const st = lstatSync(p);
  if (st.isSymbolicLink()) return `link -> ${readlinkSync(p)}`;
  const mode = (st.mode & 0o777).toString(8);
  return `file ${mode} ${st.uid} ${createHash('sha256').update(readFileSync(p)).digest('hex').slice(0, 16)}`;
}

function isLink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

/** The paths whose description differs between two snapshots (added, removed or changed). */
export function changedPaths(a: Snapshot, b: Snapshot): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => a[k] !== b[k]).sort();
}

/** True when `p` is a regular 0600 file holding valid JSON. */
export function validPrivateJson(p: string): boolean {
  const st = lstatSync(p);
  if (!st.isFile() || (st.mode & 0o777) !== 0o600) return false;
  try {
    JSON.parse(readFileSync(p, 'utf8'));
    return true;
  } catch {
    return false;
  }
}

/** A sandbox whose repository is old enough to be cached, after one export that logged in and filled every cache. */
export async function warmSandbox(fake: FakeAws, extra: Record<string, string> = {}): Promise<Sandbox> {
  const sb = sandbox(fake, extra);
  ageTree(sb.acme);
  const r = await cli(sb, ['export']);
  if (r.code !== 0) throw new Error(`warm-up export failed: ${r.stderr}`);
  return sb;
}

/**
 * A copy of a warmed-up sandbox's HOME (modes and times kept) sharing its repository copy, so every
 * cache entry stays valid (they name repository paths): a row costs a copy and an offline export, not a login.
 */
export async function cloneSandbox(golden: Sandbox): Promise<Sandbox> {
  const dir = mkdtempSync(join(tmpdir(), 'atmos-auth-clone-'));
  const home = join(dir, 'home');
  cpSync(golden.home, home, { recursive: true, preserveTimestamps: true });
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(golden.env)) env[k] = v.startsWith(golden.home) ? home + v.slice(golden.home.length) : v;
  const sb: Sandbox = { ...golden, dir, home, env, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
  // The resolution entry recorded HOME and XDG_* (the engine reads them): one offline run re-keys it.
  const r = await cli(sb, ['export', '--no-login']);
  if (r.code !== 0) throw new Error(`clone warm-up failed: ${r.stderr}`);
  return sb;
}

/** Seconds since the epoch of a file's JSON `expiresAt`-like field. */
export function jsonField(p: string, field: string): unknown {
  return (JSON.parse(readFileSync(p, 'utf8')) as Record<string, unknown>)[field];
}

/**
 * Cache JSON files (ours and the AWS CLI's SSO cache) that do not parse. Locks and the temporary
 * files of an interrupted atomic write (which do not end in .json) are left out.
 */
export function unparsableCacheFiles(sb: Sandbox): string[] {
  const d = cacheDirs(sb);
  const bad: string[] = [];
  for (const root of [d.own, d.awsSso]) {
    for (const rel of listFiles(root)) {
      if (!rel.endsWith('.json') || rel.startsWith('locks/')) continue;
      try {
        JSON.parse(readFileSync(join(root, rel), 'utf8'));
      } catch {
        bad.push(rel);
      }
    }
  }
  return bad;
}

export { statSync };
