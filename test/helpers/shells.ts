/**
 * Helpers for tests that run real shells: the hook scripts as files, a non-interactive runner, a
 * fake `atmos-auth` that counts its starts, and a tmux driver for interactive sessions.
 */
import { spawnSync } from 'node:child_process';
import { runAsync, type Ran } from './spawn.ts';
import { chmodSync, mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tempDir as makeTemp } from './tmp.ts';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bash as posixFormat } from '../../src/shell/formats/posix.ts';
import { fish as fishFormat } from '../../src/shell/formats/fish.ts';
import type { EnvChange } from '../../src/shell/format.ts';
import { hookScript, type HookShell } from '../../src/shell/scripts.ts';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const fakeBin = join(root, 'test/shell/fixtures/fake-atmos-auth.sh');
export const cliPath = join(root, 'dist/atmos-auth.mjs');
export const shells: HookShell[] = ['zsh', 'bash', 'fish'];

/** A fresh temporary directory, removed when the process exits. */
export function tempDir(prefix = 'atmos-auth-shell-'): string {
  return makeTemp(prefix);
}

/** Writes `atmos-auth hook <shell>` (rendered from source, running `cmd`) to a file; returns its path. */
export function hookFile(dir: string, shell: HookShell, cmd: string[] = [process.execPath, cliPath]): string {
  const f = join(dir, `hook.${shell}`);
  writeFileSync(f, hookScript(shell, cmd));
  return f;
}

/** Runs `script` in a non-interactive shell without user config. */
export function runShell(shell: HookShell, script: string, env: NodeJS.ProcessEnv, cwd?: string) {
  const argv = shell === 'zsh' ? ['-f', '-c', script] : shell === 'bash' ? ['--norc', '--noprofile', '-c', script] : ['--no-config', '-c', script];
  const r = spawnSync(shell, argv, { env, cwd, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * runShell without blocking this process: for hooks whose export talks to an emulator (or an API
 * server) that answers from this process's event loop.
 */
export function runShellAsync(shell: HookShell, script: string, env: NodeJS.ProcessEnv, cwd?: string): Promise<Ran> {
  const argv = shell === 'zsh' ? ['-f', '-c', script] : shell === 'bash' ? ['--norc', '--noprofile', '-c', script] : ['--no-config', '-c', script];
  return runAsync(shell, argv, { env, ...(cwd ? { cwd } : {}) });
}

/** The export lines the fake prints for `change`, per format, in `dir`/.fake/. */
export function fakeExport(dir: string, change: EnvChange): void {
  const d = join(dir, '.fake');
  mkdirSync(d, { recursive: true });
  const posix = posixFormat.render(change);
  writeFileSync(join(d, 'zsh'), posix);
  writeFileSync(join(d, 'bash'), posix);
  writeFileSync(join(d, 'fish'), fishFormat.render(change));
}

/** Makes the fake fail in `dir` with exit code `rc` and `err` on stderr. */
export function fakeFailure(dir: string, rc: number, err: string): void {
  const d = join(dir, '.fake');
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, 'rc'), `${rc}\n`);
  writeFileSync(join(d, 'err'), err);
}

/** RFC 3339 UTC, seconds precision. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The change an identity makes (as identityEnv would), for the fake. */
export function identityChange(identity: string, access: string, expiresInSec: number, extra: Record<string, string> = {}): EnvChange {
  return {
    set: {
      AWS_ACCESS_KEY_ID: `AKIA${identity.replace(/[^A-Za-z0-9]/g, '').toUpperCase()}`,
      AWS_SECRET_ACCESS_KEY: 'secret/with+chars=',
      AWS_SESSION_TOKEN: 'token',
      AWS_CREDENTIAL_EXPIRATION: rfc3339(Date.now() + expiresInSec * 1000),
      AWS_REGION: 'us-east-2',
      AWS_DEFAULT_REGION: 'us-east-2',
      ATMOS_AUTH_IDENTITY: identity,
      ATMOS_AUTH_PROFILE: 'developers',
      ATMOS_AUTH_STACK: 'plat-ue2-dev',
      ATMOS_AUTH_ROOT: '/repo',
      ATMOS_AUTH_ACCESS: access,
      ...extra,
    },
    unset: ['AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_SECURITY_TOKEN', 'AWS_ROLE_ARN', 'AWS_ROLE_SESSION_NAME', 'AWS_WEB_IDENTITY_TOKEN_FILE'],
  };
}

/**
 * A fake Atmos repository: repo/atmos.yaml, repo/stacks/{dev,prod} prepared for the fake CLI,
 * plus `outside/` (no Atmos config up the tree). Returns the paths and an env running the fake.
 */
export function fakeRepo(expiresInSec = 42 * 60 + 30) {
  const base = tempDir();
  const repo = join(base, 'repo');
  const dev = join(repo, 'stacks', 'dev');
  const prod = join(repo, 'stacks', 'prod');
  const outside = join(base, 'outside');
  for (const d of [dev, prod, outside]) mkdirSync(d, { recursive: true });
  writeFileSync(join(repo, 'atmos.yaml'), 'base_path: .\n');
  fakeExport(dev, identityChange('plat-dev/terraform', 'apply', expiresInSec));
  fakeExport(prod, identityChange('plat-prod/terraform', 'plan', expiresInSec));
  const count = join(base, 'count');
  writeFileSync(count, '');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: base,
    TERM: 'xterm-256color',
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    ATMOS_AUTH_BIN: fakeBin,
    FAKE_COUNT: count,
  };
  return { base, repo, dev, prod, outside, count, env, starts: () => readFileSync(count, 'utf8').split('\n').filter(Boolean) };
}

/** An interactive shell in a private tmux server (own socket), fixed size. */
export class TmuxShell {
  readonly socket: string;
  readonly name: string;
  constructor(name: string) {
    this.name = name;
    this.socket = `atmos-auth-test-${process.pid}-${name}-${Math.random().toString(36).slice(2, 8)}`;
  }
  private tmux(...args: string[]) {
    return spawnSync('tmux', ['-L', this.socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
  }
  /** Starts `argv` with `env` in `cwd`. */
  start(argv: string[], env: NodeJS.ProcessEnv, cwd: string): void {
    const quoted = argv.map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(' ');
    const r = spawnSync('tmux', ['-L', this.socket, '-f', '/dev/null', 'new-session', '-d', '-x', '200', '-y', '60', '-s', 'main', '-c', cwd, quoted], { env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`tmux new-session failed: ${r.stderr}`);
  }
  /** Types `line` and Enter. */
  send(line: string): void {
    this.tmux('send-keys', '-t', 'main', '-l', line);
    this.tmux('send-keys', '-t', 'main', 'Enter');
  }
  /** Sends a key by tmux name (C-c, Enter). */
  key(k: string): void {
    this.tmux('send-keys', '-t', 'main', k);
  }
  /** The pane's text, history included, wrapped lines joined. */
  capture(): string {
    return this.tmux('capture-pane', '-p', '-J', '-S', '-2000', '-t', 'main').stdout;
  }
  /** Waits until the pane matches `re`; returns the match (throws with the pane on timeout). */
  async waitFor(re: RegExp, timeoutMs = 15_000): Promise<RegExpMatchArray> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const m = this.capture().match(re);
      if (m) return m;
      if (Date.now() > end) throw new Error(`timed out waiting for ${re} in pane:\n${this.capture()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  /**
   * Runs a command line and returns what it printed between two unique markers (so that the echo
   * of the command line itself never matches).
   */
  async run(line: string, timeoutMs = 15_000): Promise<string> {
    const id = Math.random().toString(36).slice(2, 8);
    this.send(`echo B${id}''B; ${line}; echo E${id}''E`);
    const m = await this.waitFor(new RegExp(`\\nB${id}B\\n([\\s\\S]*?)E${id}E\\n`), timeoutMs);
    return m[1] ?? '';
  }
  kill(): void {
    this.tmux('kill-server');
  }
}

/** True when the named program is on PATH. */
export function have(program: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${program}`]).status === 0;
}

export { existsSync, chmodSync };
