// Shell output injection, property-style, with values TAKEN FROM YAML: a hostile Atmos repository
// (in a directory whose name holds quotes, spaces, $() and backticks) whose identity names, stack
// vars (tenant, stage -> stack name; region) and profile directory names are random hostile strings
// from a seeded generator. Each case goes through the built CLI's `export` in bash, zsh, fish,
// dotenv, json and github formats, read back by the real shells and parsers (dotenv: python-dotenv
// and node --env-file), and through the hook scripts themselves in real shells: values come back
// byte-exact, or (dotenv's and github's documented limits) are refused naming the variable with
// nothing written, and nothing runs (no canary). Needs (Debian): bash zsh fish python3-dotenv.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFakeAws } from '../fake-aws/server.ts';
import { CLI, cli, sandbox } from '../e2e/helpers.ts';
import { readGithubEnv } from '../helpers/github-env.ts';
import { have, hookFile } from '../helpers/shells.ts';
import { getFormat } from '../../src/shell/format.ts';
import type { HookShell } from '../../src/shell/scripts.ts';

const SEED = Number(process.env.ATMOS_AUTH_FUZZ_SEED ?? 20251128);
const CASES = Number(process.env.ATMOS_AUTH_FUZZ_CASES ?? 8);

const fake = await startFakeAws();
const sb = sandbox(fake, {}, { allow: false });
const canaryDir = join(sb.dir, 'canary');
mkdirSync(canaryDir);
const canary = join(sb.dir, 'pwned');

test.after(async () => {
  await fake.close();
  sb.cleanup();
});

/** mulberry32: deterministic, so a failure reproduces with the printed seed. */
function rng(seed: number): () => number {
  return () => {
    seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const r = rng(SEED);
const pieces = [
  "'", '"', '\\', '$', '`', '$(', ')', '${', '}', '\n', '\t', ' ', '%', '!', '*', '?', '~', '#', ';', '&', '|', '<', '>',
  '[', ']', "'\\''", '\x01', '\x1b[31m', 'é', '✓', '中文', '😀', 'a', 'Z', '0', '=', 'EOF', '\\n', '{{', '}}', '::', '-e',
  `$(touch ${canary})`, `\`touch ${canary}\``, `'; touch ${canary}; '`, `"; touch ${canary}; "`, '$(touch pwned)', '`touch pwned`',
  "x'; touch /tmp/pwned-atmos-auth #",
];
/** A random hostile string (no NUL: impossible in environment values), not blank at its ends. */
function hostile(allowed: (p: string) => boolean = () => true): string {
  let s = '';
  const len = 2 + Math.floor(r() * 8);
  for (let i = 0; i < len; i++) {
    const p = pieces[Math.floor(r() * pieces.length)]!;
    if (allowed(p)) s += p;
  }
  s = s.trim();
  return s ? `q${s}q` : 'q';
}
/** For directory names: no `/`, no `,` (profile lists are comma separated). */
const dirPiece = (p: string) => !p.includes('/') && !p.includes(',');

interface Case { identity: string; profile: string; tenant: string; stage: string; region: string; dir: string }

// The repository: JSON is YAML, so every hostile value is written exactly.
const parent = join(sb.dir, `repo it's "q" $(touch pwned) \`touch pwned\` é`);
const repo = join(parent, 'atmos');
const cases: Case[] = [];
mkdirSync(repo, { recursive: true });
writeFileSync(join(repo, 'atmos.yaml'), JSON.stringify({
  base_path: '.',
  stacks: { base_path: 'stacks', included_paths: ['**/*'], name_template: '{{ .vars.tenant }}-{{ .vars.environment }}-{{ .vars.stage }}' },
  auth: { providers: { 'acme-sso': { kind: 'aws/iam-identity-center', start_url: 'https://acme.awsapps.com/start/', region: 'us-east-1' } } },
}, null, 2));
for (let i = 0; i < CASES; i++) {
  const c: Case = {
    identity: `${hostile()}${i}`,
    profile: `${hostile(dirPiece)}${i}`,
    tenant: hostile(),
    stage: hostile(),
    region: hostile(),
    dir: join(repo, 'stacks', `c${i}`),
  };
  cases.push(c);
  mkdirSync(join(repo, 'profiles', c.profile), { recursive: true });
  writeFileSync(join(repo, 'profiles', c.profile, 'atmos.yaml'), JSON.stringify({
    auth: { identities: { [c.identity]: { kind: 'aws/permission-set', via: { provider: 'acme-sso' }, principal: { name: 'TerraformApplyAccess', account: { name: 'plat-dev' } } } } },
  }, null, 2));
  mkdirSync(c.dir, { recursive: true });
  writeFileSync(join(c.dir, 'stack.yaml'), JSON.stringify({
    vars: { tenant: c.tenant, environment: 'ue2', stage: c.stage, region: c.region },
    auth: { identities: { [c.identity]: { default: true } } },
  }, null, 2));
}
const root = realpathSync(repo);
const VARS = ['ATMOS_AUTH_IDENTITY', 'AWS_REGION', 'ATMOS_AUTH_PROFILE', 'ATMOS_AUTH_STACK', 'ATMOS_AUTH_ROOT'];
const expected = (c: Case) => [c.identity, c.region, c.profile, `${c.tenant}-ue2-${c.stage}`, root];
const show = (c: Case) => `seed ${SEED}, case ${JSON.stringify(c)}`;
const nothingRan = () => {
  assert.not.ok(existsSync(canary), 'a value was executed (canary)');
  assert.not.ok(existsSync('/tmp/pwned-atmos-auth'), 'a value was executed (/tmp canary)');
  assert.equal(readdirSync(canaryDir), [], 'a value was executed (relative canary)');
};

/** Sources `text` in a real shell (cwd: the canary dir) and reads VARS back, NUL separated. */
function evalIn(shell: 'bash' | 'zsh' | 'fish', text: string): string[] {
  const file = join(sb.dir, `out.${shell}`);
  writeFileSync(file, text);
  const printf = `printf '%s\\0' ${VARS.map((v) => `"$${v}"`).join(' ')}`;
  const argv = shell === 'fish' ? ['--no-config', '-c', `source ${file}; ${printf}`]
    : shell === 'zsh' ? ['-f', '-c', `. ${file} || exit 9; ${printf}`] : ['--norc', '--noprofile', '-c', `. ${file} || exit 9; ${printf}`];
  const res = spawnSync(shell, argv, { cwd: canaryDir, encoding: 'utf8', env: { PATH: process.env.PATH, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' } });
  assert.is(res.stderr, '', `${shell} stderr`);
  assert.is(res.status, 0, `${shell} status`);
  return res.stdout.split('\0').slice(0, -1);
}

/** The dotenv dialect's refusals (README, src/shell/formats/dotenv.ts), restated. */
const dotenvRefuses = (v: string) => /[\0\n\r]/.test(v) || /\p{Cs}/u.test(v) || v.includes('${') || v.includes('\\\\')
  || v.endsWith('\\') || (v.includes("'") && /["$`\\]/.test(v));

/** dotenv text as python-dotenv (Debian's python3-dotenv) and `node --env-file` read it; they must agree. */
function readDotenv(text: string): Record<string, string> {
  const file = join(sb.dir, 'out.env');
  writeFileSync(file, text);
  const py = spawnSync('/usr/bin/python3', ['-c', 'import dotenv, json, sys; print(json.dumps(dotenv.dotenv_values(sys.argv[1])))', file], { cwd: canaryDir, encoding: 'utf8' });
  assert.is(py.status, 0, `python-dotenv is required (apt-get install python3-dotenv): ${py.stderr}`);
  assert.is(py.stderr, '');
  const fromPython = JSON.parse(py.stdout) as Record<string, string>;
  const nd = spawnSync(process.execPath, [`--env-file=${file}`, '-e', `process.stdout.write(JSON.stringify(Object.fromEntries(${JSON.stringify(VARS)}.map((k) => [k, process.env[k]]))))`], { cwd: canaryDir, encoding: 'utf8', env: { PATH: process.env.PATH } });
  assert.is(nd.status, 0, nd.stderr);
  const fromNode = JSON.parse(nd.stdout) as Record<string, string>;
  assert.equal(VARS.map((v) => fromNode[v]), VARS.map((v) => fromPython[v]), 'node and python-dotenv read the same values');
  return fromPython;
}

test('allow pins the hostile repository (names shown escaped, on one line each)', async () => {
  const a = await cli(sb, ['allow', repo], { cwd: sb.home });
  assert.is(a.code, 0, a.stderr);
  assert.ok(a.stdout.split('\n').every((l) => !l.includes('\x1b')), 'no raw escape sequence reaches the terminal');
  nothingRan();
});

for (let i = 0; i < CASES; i++) {
  test(`case ${i}: hostile identity/stack/region/profile from YAML through every format`, async () => {
    const c = cases[i]!;
    const env = { ATMOS_PROFILE: c.profile };
    for (const shell of ['bash', 'zsh', 'fish'] as const) {
      const out = await cli(sb, ['export', '--format', shell], { cwd: c.dir, env });
      assert.is(out.code, 0, `${shell}: ${out.stderr} (${show(c)})`);
      if (!have(shell)) continue;
      assert.equal(evalIn(shell, out.stdout), expected(c), `${shell}: ${show(c)}`);
    }
    const j = await cli(sb, ['export', '--format', 'json'], { cwd: c.dir, env });
    assert.is(j.code, 0, j.stderr);
    const parsed = JSON.parse(j.stdout) as Record<string, string>;
    assert.equal(VARS.map((v) => parsed[v]), expected(c), `json: ${show(c)}`);
    // dotenv: read back exactly, or (a value the dialect cannot carry: this repository's own path
    // holds ' " and $) refused, naming one such variable, with nothing on stdout.
    const d = await cli(sb, ['export', '--format', 'dotenv'], { cwd: c.dir, env });
    const refusedVars = VARS.filter((v, k) => dotenvRefuses(expected(c)[k]!));
    if (refusedVars.length) {
      assert.is.not(d.code, 0, `dotenv: ${show(c)}`);
      assert.is(d.stdout, '', 'nothing on stdout');
      const named = /^atmos-auth: ([A-Z_]+): value contains /.exec(d.stderr);
      assert.ok(named && refusedVars.includes(named[1]!), `the error names a refused variable (${refusedVars.join(', ')}): ${d.stderr}`);
    } else {
      assert.is(d.code, 0, d.stderr);
      const de = readDotenv(d.stdout);
      assert.equal(VARS.map((v) => de[v]), expected(c), `dotenv: ${show(c)}`);
    }
    const ghFile = join(sb.dir, `github-env-${i}`);
    writeFileSync(ghFile, '');
    const g = await cli(sb, ['export', '--format', 'github'], { cwd: c.dir, env: { ...env, GITHUB_ENV: ghFile } });
    assert.is(g.code, 0, g.stderr);
    assert.ok(g.stdout.split('\n').filter(Boolean).every((l) => l.startsWith('::add-mask::')), 'stdout holds only mask commands');
    assert.is(g.stdout.split('\n').filter(Boolean).length, 3, 'one mask per secret');
    const gh = readGithubEnv(readFileSync(ghFile, 'utf8'), false);
    assert.equal(VARS.map((v) => gh[v]), expected(c), `github: ${show(c)}`);
    nothingRan();
  });
}

// Issue 11's case end to end, in a repository at a plain path: a stack name from YAML with
// backticks and $() is data in dotenv (written; `set -a; .` in bash runs nothing), and one with a
// newline is refused (exit 1, stdout empty, the error names ATMOS_AUTH_STACK) while bash carries it.
const plainRepo = join(sb.dir, 'plain', 'atmos');
const tick = { tenant: `ue2\`touch ${canary}\``, stage: `dev$(touch ${canary})`, dir: join(plainRepo, 'stacks', 'tick') };
const newline = { tenant: 'ue2', stage: 'dev\nexport AWS_PROFILE=evil', dir: join(plainRepo, 'stacks', 'newline') };
const trailingCr = { tenant: 'ue2', stage: 'dev\r', dir: join(plainRepo, 'stacks', 'cr') };
mkdirSync(plainRepo, { recursive: true });
writeFileSync(join(plainRepo, 'atmos.yaml'), JSON.stringify({
  base_path: '.',
  stacks: { base_path: 'stacks', included_paths: ['**/*'], name_template: '{{ .vars.tenant }}-{{ .vars.environment }}-{{ .vars.stage }}' },
  auth: {
    providers: { 'acme-sso': { kind: 'aws/iam-identity-center', start_url: 'https://acme.awsapps.com/start/', region: 'us-east-1' } },
    identities: { 'plat-dev/terraform': { kind: 'aws/permission-set', via: { provider: 'acme-sso' }, principal: { name: 'TerraformApplyAccess', account: { name: 'plat-dev' } } } },
  },
}, null, 2));
for (const c of [tick, newline, trailingCr]) {
  mkdirSync(c.dir, { recursive: true });
  writeFileSync(join(c.dir, 'stack.yaml'), JSON.stringify({
    vars: { tenant: c.tenant, environment: 'ue2', stage: c.stage, region: 'us-east-2' },
    auth: { identities: { 'plat-dev/terraform': { default: true } } },
  }, null, 2));
}
const noProfile = { ATMOS_PROFILE: '' };
const allowPlain = await cli(sb, ['allow', plainRepo], { cwd: sb.home });
if (allowPlain.code !== 0) throw new Error(`atmos-auth allow ${plainRepo}: ${allowPlain.stderr}`);

test('dotenv end to end: a stack name with backticks and $() from YAML is data; `set -a; .` in bash runs nothing', async () => {
  const d = await cli(sb, ['export', '--format', 'dotenv'], { cwd: tick.dir, env: noProfile });
  assert.is(d.code, 0, d.stderr);
  const stack = `${tick.tenant}-ue2-${tick.stage}`;
  assert.ok(d.stdout.includes(`ATMOS_AUTH_STACK='${stack}'\n`), d.stdout);
  const file = join(sb.dir, 'tick.env');
  writeFileSync(file, d.stdout);
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', `set -a; . '${file}' || exit 9; printf '%s\\0' "$ATMOS_AUTH_STACK" "$ATMOS_AUTH_IDENTITY"`], { cwd: canaryDir, encoding: 'utf8', env: { PATH: process.env.PATH, LC_ALL: 'C.UTF-8' } });
  assert.is(r.stderr, '');
  assert.equal(r.stdout.split('\0').slice(0, -1), [stack, 'plat-dev/terraform']);
  assert.is(readDotenv(d.stdout).ATMOS_AUTH_STACK, stack, 'python-dotenv and node read it alike');
  nothingRan();
});

test('dotenv end to end: a stack name with a newline is refused (exit 1, stdout empty, the variable named); bash carries it', async () => {
  const d = await cli(sb, ['export', '--format', 'dotenv'], { cwd: newline.dir, env: noProfile });
  assert.is(d.code, 1, d.stderr);
  assert.is(d.stdout, '', 'nothing on stdout');
  assert.match(d.stderr, /^atmos-auth: ATMOS_AUTH_STACK: value contains a newline, which dotenv readers disagree on/);
  assert.match(d.stderr, /use --format json or bash/);
  assert.not.ok(d.stderr.includes('AWS_PROFILE=evil'), 'the value is not shown');
  const b = await cli(sb, ['export', '--format', 'bash'], { cwd: newline.dir, env: noProfile });
  assert.is(b.code, 0, b.stderr);
  assert.equal(evalIn('bash', b.stdout).slice(3, 4), ['ue2-ue2-dev\nexport AWS_PROFILE=evil']);
  nothingRan();
});

test('github end to end: a stack name ending in CR is refused; stdout and $GITHUB_ENV stay as they were', async () => {
  const ghFile = join(sb.dir, 'github-env-cr');
  writeFileSync(ghFile, 'EARLIER=1\n');
  const g = await cli(sb, ['export', '--format', 'github'], { cwd: trailingCr.dir, env: { ...noProfile, GITHUB_ENV: ghFile } });
  assert.is(g.code, 1, g.stderr);
  assert.is(g.stdout, '', 'not even the masks');
  assert.match(g.stderr, /^atmos-auth: ATMOS_AUTH_STACK: value ends with a carriage return/);
  assert.is(readFileSync(ghFile, 'utf8'), 'EARLIER=1\n');
});

/** A shell -c run, asynchronously (the emulator lives in this process). */
function shellAsync(shell: HookShell, script: string, env: NodeJS.ProcessEnv, cwd: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const argv = shell === 'zsh' ? ['-f', '-c', script] : shell === 'bash' ? ['--norc', '--noprofile', '-c', script] : ['--no-config', '-c', script];
  return new Promise((resolve) => {
    const ch = spawn(shell, argv, { env, cwd });
    let stdout = '';
    let stderr = '';
    ch.stdout.on('data', (x) => (stdout += x));
    ch.stderr.on('data', (x) => (stderr += x));
    ch.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const hookCall: Record<HookShell, string> = { bash: '__atmos_auth_hook prompt', zsh: '__atmos_auth_hook precmd', fish: '__atmos_auth_hook prompt' };

for (const shell of ['bash', 'zsh', 'fish'] as const) {
  test(`${shell}: the hook scripts treat the hostile values as data`, async () => {
    if (!have(shell)) return;
    const fmt = getFormat(shell === 'fish' ? 'fish' : 'bash');
    const hook = hookFile(sb.dir, shell, [process.execPath, CLI]);
    const lines = [`source '${hook}'`];
    for (const c of cases) {
      // The profile and directory go in through our own quoting (tested above), as data.
      lines.push(fmt.render({ set: { ATMOS_PROFILE: c.profile, AA_TEST_DIR: c.dir }, unset: [] }));
      lines.push(shell === 'fish' ? 'cd $AA_TEST_DIR' : 'cd "$AA_TEST_DIR"', hookCall[shell]);
      lines.push(`printf '%s\\0' ${VARS.map((v) => `"$${v}"`).join(' ')}`);
    }
    lines.push(`cd '${sb.home}'`, hookCall[shell], `printf '%s\\0' "$ATMOS_AUTH_IDENTITY"`);
    const res = await shellAsync(shell, lines.join('\n'), { ...sb.env, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' }, canaryDir);
    assert.is(res.status, 0, res.stderr);
    assert.is(res.stderr, '', 'the hook printed nothing');
    const got = res.stdout.split('\0').slice(0, -1);
    cases.forEach((c, i) => assert.equal(got.slice(i * VARS.length, (i + 1) * VARS.length), expected(c), `${shell} hook: ${show(c)}`));
    assert.equal(got.slice(cases.length * VARS.length), [''], 'leaving the repository clears the identity');
    nothingRan();
  });
}

test.run();
