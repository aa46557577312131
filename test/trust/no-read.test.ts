// An un-allowed repository is not read by the hook (issue 11, section 3): as direnv evaluates no
// `.envrc` before `direnv allow`, `export` (what the hook runs) finds the root by file existence,
// looks up the allow record and stops with the one-line hint. Traced with strace (every process,
// every open and stat): no file or directory of the repository is opened, only stat-ed, cold (no
// caches), warm (a resolution and parse cache from an earlier `resolve` there) and through a real
// bash hook. Needs the Debian package strace.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ageTree, CLI, cli, sandbox } from '../e2e/helpers.ts';
import { have, hookFile } from '../helpers/shells.ts';

const sb = sandbox(null, {}, { allow: false });
const dev = sb.stackDir('plat/dev');
const log = join(sb.dir, 'strace.log');

test.after(() => sb.cleanup());

interface Traced {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Paths opened (open/openat), any process. */
  opened: string[];
  /** Paths stat-ed (stat/lstat/newfstatat/statx/access), any process. */
  statted: string[];
}

/** Runs `argv` under `strace -f`, recording opens and stats. */
function traced(argv: string[], cwd: string, env: Record<string, string> = sb.env): Traced {
  assert.ok(have('strace'), 'strace is required for this test: apt-get install strace');
  rmSync(log, { force: true });
  const r = spawnSync('strace', ['-f', '-qq', '-e', 'trace=open,openat,openat2,stat,lstat,newfstatat,statx,access,faccessat,faccessat2', '-o', log, ...argv], { cwd, env, encoding: 'utf8', timeout: 60_000 });
  const opened: string[] = [];
  const statted: string[] = [];
  for (const line of readFileSync(log, 'utf8').split('\n')) {
    const m = /^\d+\s+(\w+)\((?:AT_FDCWD|\d+), "((?:[^"\\]|\\.)*)"|^\d+\s+(\w+)\("((?:[^"\\]|\\.)*)"/.exec(line);
    if (!m) continue;
    const call = m[1] ?? m[3]!;
    const path = m[2] ?? m[4]!;
    if (call.startsWith('open')) opened.push(path);
    else statted.push(path);
  }
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, opened, statted };
}

const inRepo = (p: string) => p === sb.acme || p.startsWith(`${sb.acme}/`);

function assertNotRead(t: Traced, what: string): void {
  assert.is(t.status, 3, `${what}: ${t.stderr}`);
  assert.is(t.stdout, '', what);
  assert.ok(t.stderr.includes(`${sb.acme} is not allowed; atmos-auth will not sign in for it until you allow it: atmos-auth allow ${sb.acme}`), t.stderr);
  // The trace saw the root being found (a stat of its atmos.yaml): it is not an empty trace.
  assert.ok(t.statted.includes(join(sb.acme, 'atmos.yaml')), `${what}: atmos.yaml was looked for (${t.statted.length} stats traced)`);
  assert.equal(t.opened.filter(inRepo), [], `${what}: nothing of the repository is opened`);
  assert.equal(t.opened.filter((p) => /\.ya?ml(\.tmpl)?$/.test(p)), [], `${what}: no YAML file is opened anywhere`);
}

test('cold (no caches): export in an un-allowed repository opens nothing of it', () => {
  assert.not.ok(existsSync(join(sb.home, '.cache/atmos-auth')), 'no cache yet');
  assertNotRead(traced([process.execPath, CLI, 'export', '--format', 'bash'], dev), 'cold');
});

test('a directory without an identity in an un-allowed repository gets the same hint, nothing opened', () => {
  assertNotRead(traced([process.execPath, CLI, 'export', '--format', 'zsh'], sb.acme), 'repository root');
});

test('warm (after `resolve` cached the directory): still nothing of the repository is opened', async () => {
  ageTree(sb.acme);
  const r = await cli(sb, ['resolve', '--json'], { cwd: dev });
  assert.is(r.code, 0, r.stderr);
  assert.is((JSON.parse(r.stdout) as { identity: string }).identity, 'plat-dev/terraform', 'resolve (run on purpose) still parses');
  assert.ok(readdirSync(join(sb.home, '.cache/atmos-auth/resolve')).length >= 1, 'a resolution cache entry exists');
  for (let i = 0; i < 2; i++) assertNotRead(traced([process.execPath, CLI, 'export', '--format', 'bash'], dev), `warm run ${i + 1}`);
});

test('through a real bash hook: one hint, nothing of the repository opened by any process', () => {
  const hook = hookFile(sb.dir, 'bash', [process.execPath, CLI]);
  const script = `source '${hook}'\ncd '${dev}'\n__atmos_auth_hook prompt\ncd '${sb.acme}'\n__atmos_auth_hook prompt\nprintf 'id=%s\\n' "\${ATMOS_AUTH_IDENTITY-}"`;
  const t = traced(['bash', '--norc', '--noprofile', '-c', script], sb.home);
  assert.is(t.status, 0, t.stderr);
  assert.match(t.stdout, /^id=$/m);
  assert.is(t.stderr.split('\n').filter((l) => l.includes('is not allowed')).length, 1, t.stderr);
  assert.ok(t.statted.includes(join(sb.acme, 'atmos.yaml')));
  assert.equal(t.opened.filter(inRepo), []);
  assert.equal(t.opened.filter((p) => /\.ya?ml(\.tmpl)?$/.test(p)), []);
});

test('explicit commands still answer there (list), and once allowed the hook goes on to resolve', async () => {
  const l = await cli(sb, ['list'], { cwd: dev });
  assert.is(l.code, 0, l.stderr);
  assert.match(l.stdout, /plat-dev\/terraform/);
  assert.is((await cli(sb, ['allow'], { cwd: dev })).code, 0);
  const t = traced([process.execPath, CLI, 'export', '--format', 'bash', '--no-login'], dev);
  assert.not.equal(t.status, 3, t.stderr);
  assert.not.ok(t.stderr.includes('is not allowed'), t.stderr);
});

test.run();
