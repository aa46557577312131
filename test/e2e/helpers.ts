// Shared by the end-to-end tests: a private HOME with XDG dirs inside it, a copy of examples/acme,
// and the built CLI run as a child process against the in-process emulator.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FakeAws } from '../fake-aws/server.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The CLI under test (ATMOS_AUTH_TEST_CLI may point at src/cli.ts while debugging). */
export const CLI = process.env.ATMOS_AUTH_TEST_CLI ? resolve(ROOT, process.env.ATMOS_AUTH_TEST_CLI) : join(ROOT, 'dist/atmos-auth.mjs');
export const BROWSER = join(ROOT, 'test/fake-aws/browser.sh');

export interface Sandbox {
  dir: string;
  home: string;
  acme: string;
  /** The environment every CLI run gets (plus per-run extras). */
  env: Record<string, string>;
  /** A stack directory of the acme copy, e.g. stackDir('plat/dev'). */
  stackDir(rel: string): string;
  cleanup(): void;
}

/**
 * A fresh temp HOME (XDG dirs and AWS_CONFIG_FILE inside) and a copy of examples/acme, allowed
 * (`atmos-auth allow`) unless `opts.allow` is false (test/trust/ tests the unallowed case).
 */
export function sandbox(fake: FakeAws | null, extra: Record<string, string> = {}, opts: { allow?: boolean } = {}): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), 'atmos-auth-e2e-'));
  const home = join(dir, 'home');
  mkdirSync(home, { recursive: true });
  const acme = join(dir, 'acme');
  cpSync(join(ROOT, 'examples/acme'), acme, { recursive: true });
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    XDG_CACHE_HOME: join(home, '.cache'),
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local/share'),
    XDG_STATE_HOME: join(home, '.local/state'),
    AWS_CONFIG_FILE: join(home, '.aws/config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, '.aws/credentials'),
    ATMOS_PROFILE: 'developers',
    BROWSER,
    // No terminal in these runs: the explicit switch lets export/exec/whoami sign in through the
    // emulator's BROWSER (a set BROWSER alone no longer does: test/hardening/implicit-login.test.ts).
    ATMOS_AUTH_IMPLICIT_LOGIN: 'always',
    FAKE_AWS_NODE: process.execPath,
    ATMOS_AUTH_HTTP_TIMEOUT_MS: '5000',
    ...(fake ? fake.env : {}),
    ...extra,
  };
  if (opts.allow !== false) {
    const r = spawnSync(process.execPath, [CLI, 'allow', acme], { env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`atmos-auth allow failed: ${r.stderr}`);
  }
  return {
    dir,
    home,
    acme,
    env,
    stackDir: (rel) => join(acme, 'stacks/orgs/acme', rel),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI (or `o.script`, e.g. src/cli.ts from source); `input` is written to its stdin
 * (then closed); `env` values of '' are removed.
 */
export function cli(sb: Sandbox, args: string[], o: { cwd?: string; env?: Record<string, string>; input?: string; timeoutMs?: number; script?: string } = {}): Promise<RunResult> {
  const env: Record<string, string> = { ...sb.env, ...o.env };
  for (const [k, v] of Object.entries(env)) if (v === '') delete env[k];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [o.script ?? CLI, ...args], { cwd: o.cwd ?? sb.stackDir('plat/dev'), env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(o.input ?? '');
  });
}

/** The `export NAME='value';` lines of bash/zsh output as a map (values are single-quoted). */
export function parseExports(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/^export ([A-Z_][A-Z0-9_]*)='((?:[^']|'\\'')*)';?$/gm)) out[m[1]!] = m[2]!.replaceAll("'\\''", "'");
  return out;
}

/** Emulator requests excluding the admin/browser pages, as `op` names. */
export function ops(fake: FakeAws): string[] {
  return fake.requests().map((r) => r.op);
}

/** Every file and directory under `d` `seconds` old (the caches do not store fresh files). */
export function ageTree(d: string, seconds = 60): void {
  const t = Date.now() / 1000 - seconds;
  for (const e of readdirSync(d, { withFileTypes: true })) {
    const p = join(d, e.name);
    if (e.isDirectory()) ageTree(p, seconds);
    else utimesSync(p, t, t);
  }
  utimesSync(d, t, t);
}
