// Shared by the hostile-file tests (issue 11 §2): hostile repositories built from a copy of
// examples/acme, and a runner that keeps the child's stdin open (a /dev/stdin link must meet a
// pipe that never closes) and kills it after a generous bound, so a regression fails instead of
// hanging the suite.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, ftruncateSync, mkdirSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { MAX_FILE_BYTES } from '../../src/atmos/repo-files.ts';
import type { Sandbox } from '../e2e/helpers.ts';

/**
 * Generous: a run that has not returned by then is a hang (the resolution bound is 2 s, the rows
 * that reach it set 1 s). ATMOS_AUTH_TEST_KILL_MS shortens it, to check quickly that the rows fail
 * on an older build (ATMOS_AUTH_TEST_CLI) without leaving readers of /dev/zero running for long.
 */
export const KILL_MS = Number(process.env.ATMOS_AUTH_TEST_KILL_MS) || 15_000;

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** True when the kill timer ended it. */
  killed: boolean;
}

/**
 * Runs argv[0] with the rest as arguments; stdin stays an open pipe until the child exits. The
 * child leads a process group of its own, killed as a whole (on timeout, and once it has exited):
 * an `export` a shell started must not outlive the test.
 */
export function runOpenStdin(argv: string[], o: { cwd: string; env: Record<string, string>; killMs?: number }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd: o.cwd, env: o.env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    let killed = false;
    const killGroup = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // The group is gone already.
      }
    };
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      killed = true;
      killGroup();
    }, o.killMs ?? KILL_MS);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      killGroup();
      child.stdin.destroy();
      resolve({ code, signal, stdout, stderr, killed });
    });
  });
}

/** mkfifo(1): Node has no mkfifo. A missing tool fails the test, it does not skip it. */
export function mkfifo(p: string): void {
  mkdirSync(dirname(p), { recursive: true });
  const r = spawnSync('mkfifo', [p], { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`mkfifo ${p} failed (coreutils' mkfifo is required): ${r.error?.message ?? r.stderr}`);
}

/** A symlink at `p` to `target` (parents created). */
export function link(target: string, p: string): void {
  mkdirSync(dirname(p), { recursive: true });
  symlinkSync(target, p);
}

/** A sparse file one byte over the read limit. */
export function oversize(p: string): void {
  mkdirSync(dirname(p), { recursive: true });
  const fd = openSync(p, 'w');
  ftruncateSync(fd, MAX_FILE_BYTES + 1);
  closeSync(fd);
}

/** Adds `entry` (YAML flow text) first in the import list of plat/dev/us-east-2.yaml. */
export function addImport(sb: Sandbox, entry: string): void {
  const f = join(sb.stackDir('plat/dev'), 'us-east-2.yaml');
  const text = readFileSync(f, 'utf8');
  if (!/^import:\n/m.test(text)) throw new Error(`${f} has no import list`);
  writeFileSync(f, text.replace(/^import:\n/m, `import:\n  - ${entry}\n`));
}

/** A YAML mapping `key:` of `levels` nested alias levels, ten wide: 10^levels values when expanded. */
export function aliasBomb(key: string, levels: number): string {
  const lines = [`${key}:`, '  l0: &l0 {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8, i: 9, j: 10}'];
  for (let i = 1; i <= levels; i++) {
    const p = `*l${i - 1}`;
    lines.push(`  l${i}: &l${i} {a: ${p}, b: ${p}, c: ${p}, d: ${p}, e: ${p}, f: ${p}, g: ${p}, h: ${p}, i: ${p}, j: ${p}}`);
  }
  return lines.join('\n') + '\n';
}

/** Writes `text` at `p` (parents created). */
export function write(p: string, text: string): void {
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, text);
}

/** Removes `p` (file, FIFO or link). */
export function remove(p: string): void {
  rmSync(p, { force: true });
}
