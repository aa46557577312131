/**
 * `npm run bench`: the speed targets of issue 7, measured side by side in one run.
 *
 * Builds the CLI, generates the fixtures (a copy of examples/acme and a 10,000-manifest /
 * 50-profile repository from bench/gen-repo.ts), starts the AWS emulator (test/fake-aws) as its own
 * process, logs in once, then runs every case in interleaved rounds (a rotating order, so machine
 * noise hits all alike) after warm-ups; medians with min-max; ratios pair by pair. Each measured
 * run is a fresh process, as a shell hook pays it on `cd`:
 *
 *   node           bare `node -e 0` of the same Node (the reference)
 *   warm           `export --format zsh` in examples/acme plat/dev, valid caches
 *   edit           the same after one manifest of the directory was rewritten (resolution cache
 *                  misses, parse cache has the other files, credentials cached)
 *   warm-big, edit-big   the same in a leaf stack directory of the 10,000-manifest repository
 *   warm-int       `export` in plat/sandbox, whose identity has aws/eks and aws/ecr integrations
 *                  (KUBECONFIG and DOCKER_CONFIG ready: what a warm `cd` into such a stack costs)
 *   cp             `credential-process --identity plat-dev/terraform --profile developers --root <acme>`, warm
 *   role           `export` with a valid SSO token but no cached role credentials (SDK loaded,
 *                  GetRoleCredentials against the emulator)
 *   aws-v2         AWS CLI v2 `aws configure export-credentials --format env` from its warm cache
 *   direnv         `direnv export zsh` on an unchanged, allowed `.envrc`
 *
 * Then peak memory (max RSS, /usr/bin/time) of node -e 0 and of the warm run, and the prompts:
 * in zsh, bash and fish with the real hook, the CLI starts counted over many prompts with nothing
 * changed (must be 0) and the shell time of the hook function per prompt (microseconds, loop
 * inside the shell minus an empty loop).
 *
 * Prints one table, writes bench/results.json, exits 1 when a target is missed.
 *
 * Then, with valgrind, instruction counts (callgrind, main thread) of node -e 0, warm and edit:
 * steadier than wall time on a shared machine, reported beside the targets (which stay on wall).
 *
 *   npm run bench [-- --runs 15 --warmup 3 --manifests 10000 --prompts 2000 --no-instructions]
 *   npm run bench -- resolve [...]        the older resolve-only benchmark (bench/resolve.ts)
 */
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultScenario } from '../test/fake-aws/scenario.ts';
import { ensureRepo, type GenResult } from './gen-repo.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

// Other benchmarks by name (`npm run bench -- resolve`).
const first = process.argv[2];
if (first && !first.startsWith('-')) {
  const script = path.join(root, 'bench', `${first}.ts`);
  if (!/^[a-z][a-z-]*$/.test(first) || ['run', 'gen-repo'].includes(first) || !existsSync(script)) {
    console.error(`unknown benchmark ${JSON.stringify(first)}; available: resolve (or no name: the full run)`);
    process.exit(2);
  }
  const r = spawnSync(process.execPath, [script, ...process.argv.slice(3)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

const { values: opt } = parseArgs({
  options: {
    runs: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '3' },
    manifests: { type: 'string', default: '10000' },
    prompts: { type: 'string', default: '2000' },
    'no-build': { type: 'boolean', default: false },
    'no-instructions': { type: 'boolean', default: false },
    out: { type: 'string', default: path.join(root, 'bench/results.json') },
  },
});
const RUNS = Number(opt.runs);
const WARMUP = Number(opt.warmup);
const PROMPTS = Number(opt.prompts);
const NODE = process.execPath;
const CLI = path.join(root, 'dist/atmos-auth.mjs');
const AWS_V2 = '/usr/bin/aws';

/** Targets: ratio of case `a` over case `b`, at most `max`. */
const TARGETS = [
  { name: 'warm cd / node', a: 'warm', b: 'node', max: 1.25 },
  { name: 'warm cd with EKS + ECR / node', a: 'warm-int', b: 'node', max: 1.25 },
  { name: 'first cd after edit / node', a: 'edit', b: 'node', max: 2 },
  { name: 'warm cd 10k / warm cd acme', a: 'warm-big', b: 'warm', max: 1.5 },
  { name: 'first cd 10k / first cd acme', a: 'edit-big', b: 'edit', max: 1.5 },
] as const;
const MEMORY_TARGET = 1.3;

function fail(msg: string): never {
  console.error(`bench: ${msg}`);
  process.exit(1);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;

function have(program: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' }).status === 0;
}

// ---------------------------------------------------------------------------------------------
// Setup

const work = mkdtempSync(path.join(tmpdir(), 'atmos-auth-bench-'));
const cleanups: Array<() => void> = [() => rmSync(work, { recursive: true, force: true })];
const cleanup = () => {
  for (const c of cleanups.splice(0).reverse()) {
    try {
      c();
    } catch {
      // best effort
    }
  }
};
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));

if (!opt['no-build']) {
  console.log('building dist/ ...');
  const b = spawnSync(NODE, [path.join(root, 'scripts/build.ts')], { cwd: root, stdio: 'inherit' });
  if (b.status !== 0 || !existsSync(CLI)) fail('build failed');
}

/** The 10,000-manifest fixture, shared with bench/resolve.ts (regenerated only when stale). */
function bigFixture(manifests: number): { repo: string; gen: GenResult } {
  const repo = path.join(root, 'bench/fixtures', `repo-${manifests}`);
  return { repo, gen: ensureRepo(repo, { manifests, profiles: 50 }) };
}

const big = bigFixture(Number(opt.manifests));
const bigLeafRel = big.gen.leafDirs[Math.floor(big.gen.leafDirs.length / 2)]!;
const [, , , bigTenant, bigStage] = bigLeafRel.split('/') as [string, string, string, string, string];
const bigCwd = path.join(big.repo, bigLeafRel);
const bigAccountId = (() => {
  const t = big.gen.tenants.indexOf(bigTenant);
  const s = big.gen.stages.indexOf(bigStage);
  return String(100_000_000_000 + t * 100 + s);
})();

const acme = path.join(work, 'acme');
cpSync(path.join(root, 'examples/acme'), acme, { recursive: true });
const acmeCwd = path.join(acme, 'stacks/orgs/acme/plat/dev');
// Old mtimes: files written within 2 s are not trusted by the caches (racy-write guard).
const old = Date.now() / 1000 - 60;
const ageTree = (d: string): void => {
  for (const e of readdirSync(d, { withFileTypes: true })) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) ageTree(p);
    utimesSync(p, old, old);
  }
  utimesSync(d, old, old);
};
// plat-sandbox/terraform gets an EKS cluster and an ECR registry (the `warm-int` case).
writeFileSync(path.join(acme, 'profiles/developers/integrations.yaml'), [
  'auth:',
  '  integrations:',
  '    sandbox-eks: { kind: aws/eks, via: { identity: plat-sandbox/terraform }, spec: { cluster: { name: plat-sandbox-use2, region: us-east-2, alias: plat-sandbox } } }',
  '    sandbox-ecr: { kind: aws/ecr, via: { identity: plat-sandbox/terraform }, spec: { registry: { account_id: "200000000000", region: us-east-2 } } }',
  '',
].join('\n'));
const acmeIntCwd = path.join(acme, 'stacks/orgs/acme/plat/sandbox');
ageTree(acme);

/** One manifest of each stack directory, rewritten (same text, mtime 5 s ago) before an edit run. */
function editable(dir: string): { file: string; text: string; touch: () => void } {
  const name = readdirSync(dir).filter((f) => f.endsWith('.yaml') && f !== '_defaults.yaml').sort()[0];
  if (!name) fail(`no manifest in ${dir}`);
  const file = path.join(dir, name);
  const text = readFileSync(file, 'utf8');
  return {
    file,
    text,
    touch: () => {
      writeFileSync(file, text);
      const t = Date.now() / 1000 - 5;
      utimesSync(file, t, t);
    },
  };
}
const acmeEdit = editable(acmeCwd);
const bigEdit = editable(bigCwd);
cleanups.push(() => writeFileSync(bigEdit.file, bigEdit.text));

// The emulator, with the big repository's leaf account added for alice.
const scenario = defaultScenario();
scenario.accounts.push({ accountId: bigAccountId, accountName: `${bigTenant}-${bigStage}` });
for (const p of ['TerraformApplyAccess', 'TerraformPlanAccess', 'TerraformStateAccess']) scenario.users[0]!.assignments.push({ accountId: bigAccountId, roleName: p });
// Answers for the integrations' first `cd` (DescribeCluster, GetAuthorizationToken); measured runs ask neither.
scenario.clusters.push({ name: 'plat-sandbox-use2', region: 'us-east-2', accountId: '200000000000', endpoint: 'https://127.0.0.1:9', certificateAuthority: Buffer.from('bench').toString('base64') });
scenario.registries.push({ accountId: '200000000000', region: 'us-east-2', endpoint: 'https://200000000000.dkr.ecr.us-east-2.amazonaws.com', password: 'bench' });
const scenarioFile = path.join(work, 'scenario.json');
writeFileSync(scenarioFile, JSON.stringify(scenario));
const fake = spawn(NODE, [path.join(root, 'test/fake-aws/main.ts'), '--quiet', '--scenario', scenarioFile], { stdio: ['ignore', 'pipe', 'inherit'] });
cleanups.push(() => fake.kill('SIGTERM'));
const fakeUrl = await new Promise<string>((resolve, reject) => {
  let out = '';
  fake.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    const m = /FAKE_AWS_URL=(\S+)/.exec(out);
    if (m) resolve(m[1]!);
  });
  fake.on('exit', (c) => reject(new Error(`emulator exited (${c})`)));
  setTimeout(() => reject(new Error('emulator did not start')), 20_000);
});

const home = path.join(work, 'home');
mkdirSync(home);
const env: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  HOME: home,
  LANG: 'C.UTF-8',
  XDG_CACHE_HOME: path.join(home, '.cache'),
  XDG_CONFIG_HOME: path.join(home, '.config'),
  XDG_DATA_HOME: path.join(home, '.local/share'),
  XDG_STATE_HOME: path.join(home, '.local/state'),
  AWS_CONFIG_FILE: path.join(home, '.aws/config'),
  AWS_SHARED_CREDENTIALS_FILE: path.join(home, '.aws/credentials'),
  ATMOS_PROFILE: 'developers',
  ACME_OWNER: 'bench',
  AWS_ENDPOINT_URL_SSO_OIDC: fakeUrl,
  AWS_ENDPOINT_URL_SSO: fakeUrl,
  AWS_ENDPOINT_URL_STS: fakeUrl,
  AWS_ENDPOINT_URL_EKS: fakeUrl,
  AWS_ENDPOINT_URL_ECR: fakeUrl,
  AWS_EC2_METADATA_DISABLED: 'true',
};
// Setup only: the test browser completes the first login. Measured runs go without BROWSER, as
// from a terminal (the hook's case).
const setupEnv = { ...env, BROWSER: path.join(root, 'test/fake-aws/browser.sh'), ATMOS_AUTH_IMPLICIT_LOGIN: 'always', FAKE_AWS_NODE: NODE };

function run(args: string[], cwd: string, e: NodeJS.ProcessEnv = env): SpawnSyncReturns<string> {
  return spawnSync(NODE, [CLI, ...args], { cwd, env: e, encoding: 'utf8', maxBuffer: 16 << 20, timeout: 120_000 });
}
function mustRun(args: string[], cwd: string, e: NodeJS.ProcessEnv = env): string {
  const r = run(args, cwd, e);
  if (r.status !== 0) fail(`atmos-auth ${args.join(' ')} in ${cwd} failed (${r.status ?? r.signal}):\n${r.stderr}`);
  return r.stdout;
}

// Trust both repositories (when this build has `allow`), log in once, fill every cache.
if (/\ballow\b/.test(mustRun(['--help'], work))) {
  mustRun(['allow'], acmeCwd, setupEnv);
  mustRun(['allow'], bigCwd, setupEnv);
}
for (const cwd of [acmeCwd, bigCwd, acmeIntCwd]) {
  const out = mustRun(['export', '--format', 'zsh'], cwd, setupEnv);
  if (!/AWS_SECRET_ACCESS_KEY=/.test(out)) fail(`export in ${cwd} printed no credentials:\n${out}`);
}

/** The credentials cache file of an identity (deleted before each `role` run). */
const credDir = path.join(home, '.cache/atmos-auth/credentials');
const credFile = readdirSync(credDir)
  .map((f) => path.join(credDir, f))
  .find((f) => {
    try {
      return (JSON.parse(readFileSync(f, 'utf8')) as { identity?: string }).identity === 'plat-dev/terraform';
    } catch {
      return false;
    }
  });
if (!credFile) fail('no cached credentials for plat-dev/terraform after the first export');
const cachedCreds = JSON.parse(readFileSync(credFile, 'utf8')) as { credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string; expiration: string } };

// AWS CLI v2: an sso-session profile in the same HOME, sharing the SSO token atmos-auth cached
// in ~/.aws/sso/cache. This Debian build (2.9) has no AWS_ENDPOINT_URL_* support, so its first
// call cannot reach the emulator: its credential cache (~/.aws/cli/cache, key as botocore
// computes it) is seeded with the role credentials the emulator issued, and the measured runs
// read that cache, which is the warm path being compared.
let awsV2: string | null = null;
if (existsSync(AWS_V2)) {
  const v = spawnSync(AWS_V2, ['--version'], { encoding: 'utf8' });
  if (/aws-cli\/2\./.test(`${v.stdout}${v.stderr}`)) {
    awsV2 = `${v.stdout}${v.stderr}`.trim().split(' ')[0]!;
    mkdirSync(path.join(home, '.aws/cli/cache'), { recursive: true });
    writeFileSync(path.join(home, '.aws/config'), [
      '[profile bench]',
      'sso_session = acme',
      'sso_account_id = 200000000001',
      'sso_role_name = TerraformApplyAccess',
      'region = us-east-2',
      '',
      '[sso-session acme]',
      'sso_start_url = https://acme.awsapps.com/start/',
      'sso_region = us-east-1',
      'sso_registration_scopes = sso:account:access',
      '',
    ].join('\n'));
    const keyJson = JSON.stringify({ accountId: '200000000001', roleName: 'TerraformApplyAccess', sessionName: 'acme' });
    const py = spawnSync('python3', ['-c', 'import hashlib,sys;print(hashlib.sha1(sys.argv[1].encode()).hexdigest())', keyJson], { encoding: 'utf8' });
    const c = cachedCreds.credentials;
    writeFileSync(path.join(home, '.aws/cli/cache', `${py.stdout.trim()}.json`), JSON.stringify({
      ProviderType: 'sso',
      Credentials: { AccessKeyId: c.accessKeyId, SecretAccessKey: c.secretAccessKey, SessionToken: c.sessionToken, Expiration: c.expiration.replace(/\.\d+Z$/, 'Z') },
    }));
  }
}

// direnv: an allowed .envrc, and the environment after its first export (so nothing changed).
let direnvEnv: NodeJS.ProcessEnv | null = null;
const envrcDir = path.join(work, 'envrc');
if (have('direnv')) {
  mkdirSync(envrcDir);
  writeFileSync(path.join(envrcDir, '.envrc'), 'export BENCH_FOO=bar\n');
  const denv = { ...env, DIRENV_LOG_FORMAT: '' };
  spawnSync('direnv', ['allow', envrcDir], { env: denv });
  const j = spawnSync('direnv', ['export', 'json'], { cwd: envrcDir, env: denv, encoding: 'utf8' });
  try {
    const vars = JSON.parse(j.stdout) as Record<string, string | null>;
    direnvEnv = { ...denv };
    for (const [k, val] of Object.entries(vars)) {
      if (val === null) delete direnvEnv[k];
      else direnvEnv[k] = val;
    }
  } catch {
    direnvEnv = null;
  }
}

// ---------------------------------------------------------------------------------------------
// Timed cases

interface Case {
  name: string;
  label: string;
  /** One measured run: returns wall milliseconds. `check` on warm-ups validates the output. */
  run: (check: boolean) => number;
}

function timed(cmd: string, args: string[], cwd: string, e: NodeJS.ProcessEnv, check?: (r: SpawnSyncReturns<string>) => string | null): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd, env: e, encoding: 'utf8', maxBuffer: 16 << 20, timeout: 120_000 });
  const ms = performance.now() - t0;
  if (check) {
    const why = r.status !== 0 ? `exit ${r.status ?? r.signal}` : check(r);
    if (why) fail(`${cmd} ${args.join(' ')} in ${cwd}: ${why}\n${r.stderr}\n${r.stdout.slice(0, 500)}`);
  }
  return ms;
}

const hasKeys = (r: SpawnSyncReturns<string>) => (/AWS_SECRET_ACCESS_KEY='/.test(r.stdout) ? null : 'no credentials in the output');
const hasIntegrations = (r: SpawnSyncReturns<string>) => hasKeys(r) ?? (/KUBECONFIG='/.test(r.stdout) && /DOCKER_CONFIG='/.test(r.stdout) ? null : `no KUBECONFIG/DOCKER_CONFIG in the output:\n${r.stdout}${r.stderr}`);
const exportArgs = [CLI, 'export', '--format', 'zsh'];
const cases: Case[] = [
  { name: 'node', label: 'node -e 0', run: () => timed(NODE, ['-e', '0'], work, env) },
  { name: 'warm', label: 'warm cd (export, acme)', run: (c) => timed(NODE, exportArgs, acmeCwd, env, c ? hasKeys : undefined) },
  { name: 'warm-int', label: 'warm cd, identity with EKS + ECR', run: (c) => timed(NODE, exportArgs, acmeIntCwd, env, c ? hasIntegrations : undefined) },
  { name: 'edit', label: 'first cd after edit (acme)', run: (c) => (acmeEdit.touch(), timed(NODE, exportArgs, acmeCwd, env, c ? hasKeys : undefined)) },
  { name: 'warm-big', label: `warm cd (${big.gen.manifests} manifests)`, run: (c) => timed(NODE, exportArgs, bigCwd, env, c ? hasKeys : undefined) },
  { name: 'edit-big', label: `first cd after edit (${big.gen.manifests})`, run: (c) => (bigEdit.touch(), timed(NODE, exportArgs, bigCwd, env, c ? hasKeys : undefined)) },
  {
    name: 'cp',
    label: 'credential-process, warm',
    run: (c) => timed(NODE, [CLI, 'credential-process', '--identity', 'plat-dev/terraform', '--profile', 'developers', '--root', acme], work, env, c ? (r) => (/"SecretAccessKey"/.test(r.stdout) ? null : 'no JSON credentials') : undefined),
  },
  { name: 'role', label: 'role credentials, SSO token (SDK)', run: (c) => (rmSync(credFile, { force: true }), timed(NODE, exportArgs, acmeCwd, env, c ? hasKeys : undefined)) },
];
if (awsV2) {
  cases.push({
    name: 'aws-v2',
    label: `${awsV2} export-credentials`,
    run: (c) => timed(AWS_V2, ['configure', 'export-credentials', '--profile', 'bench', '--format', 'env'], work, env, c ? (r) => (/AWS_SECRET_ACCESS_KEY=/.test(r.stdout) ? null : 'no credentials') : undefined),
  });
}
if (direnvEnv) {
  const de = direnvEnv;
  cases.push({ name: 'direnv', label: 'direnv export zsh (unchanged)', run: (c) => timed('direnv', ['export', 'zsh'], envrcDir, de, c ? (r) => (r.stdout.trim() === '' ? null : `expected no output, got ${r.stdout.slice(0, 200)}`) : undefined) });
}

const times = new Map<string, number[]>(cases.map((c) => [c.name, []]));
console.log(`measuring ${cases.length} cases: ${WARMUP} warm-up and ${RUNS} measured rounds, interleaved ...`);
for (let i = 0; i < WARMUP; i++) for (const c of cases) c.run(i === 0);
for (let i = 0; i < RUNS; i++) {
  const k = i % cases.length;
  const order = [...cases.slice(k), ...cases.slice(0, k)];
  if (i % 2) order.reverse();
  for (const c of order) times.get(c.name)!.push(c.run(false));
}
// Leave the acme copy's caches as a warm run expects (role deleted them last, maybe).
mustRun(['export', '--format', 'zsh'], acmeCwd);

// ---------------------------------------------------------------------------------------------
// Peak memory

function maxRssKb(cmd: string[], cwd: string): number | null {
  if (!existsSync('/usr/bin/time')) return null;
  const xs: number[] = [];
  for (let i = 0; i < 7; i++) {
    const r = spawnSync('/usr/bin/time', ['-f', '%M', ...cmd], { cwd, env, encoding: 'utf8' });
    const m = /(\d+)\s*$/.exec(r.stderr);
    if (r.status !== 0 || !m) return null;
    xs.push(Number(m[1]));
  }
  return median(xs);
}
const rssNode = maxRssKb([NODE, '-e', '0'], work);
const rssWarm = maxRssKb([NODE, ...exportArgs], acmeCwd);

// ---------------------------------------------------------------------------------------------
// Instructions: callgrind counts, steadier than wall time on a shared VM (docs/performance.md)

/**
 * Main-thread instructions of one run (millions), minus V8's hash-seed prime search
 * (`detail::sprp`: random, 8-16 million per process); the median of 3 runs. null without valgrind.
 */
function instructions(cmd: string[], cwd: string, before?: () => void): number | null {
  const xs: number[] = [];
  for (let i = 0; i < 3; i++) {
    before?.();
    const out = path.join(work, `callgrind-${i}.out`);
    const r = spawnSync('valgrind', ['--tool=callgrind', '--separate-threads=yes', `--callgrind-out-file=${out}`, ...cmd], { cwd, env, encoding: 'utf8', timeout: 300_000 });
    // --separate-threads: one file per thread, -01 is the main thread.
    const main = [`callgrind-${i}.out-01`].find((f) => existsSync(path.join(work, f)));
    if (r.status !== 0 || !main) return null;
    const text = readFileSync(path.join(work, main), 'utf8');
    const total = Number(/^(?:summary|totals): (\d+)/m.exec(text)?.[1]);
    const a = spawnSync('callgrind_annotate', ['--inclusive=no', '--threshold=100', path.join(work, main)], { encoding: 'utf8', maxBuffer: 64 << 20 });
    const sprp = /^\s*([\d,]+) .*detail::sprp/m.exec(a.stdout)?.[1];
    xs.push((total - Number((sprp ?? '0').replace(/,/g, ''))) / 1e6);
    for (const f of readdirSync(work)) if (f.startsWith(`callgrind-${i}.out`)) rmSync(path.join(work, f));
  }
  return median(xs);
}
const insn = !opt['no-instructions'] && have('valgrind') && have('callgrind_annotate')
  ? {
      node: instructions([NODE, '-e', '0'], work),
      warm: instructions([NODE, ...exportArgs], acmeCwd),
      warmInt: instructions([NODE, ...exportArgs], acmeIntCwd),
      edit: instructions([NODE, ...exportArgs], acmeCwd, acmeEdit.touch),
    }
  : null;

// ---------------------------------------------------------------------------------------------
// Prompts: starts counted and the hook's shell cost, per shell

interface PromptResult {
  shell: string;
  version: string;
  /** CLI starts during the prompts after the first (nothing changed): must be 0. */
  startsPerPrompts: number;
  prompts: number;
  /** Starts for the `cd` itself (1 expected). */
  startsOnCd: number;
  /** Microseconds of shell time per prompt for the hook function (loop minus empty loop). */
  hookUs: number;
  emptyLoopUs: number;
}

const counter = path.join(work, 'count');
const wrapper = path.join(work, 'atmos-auth-counted');
writeFileSync(wrapper, `#!/bin/sh\nprintf '%s\\n' "$*" >> '${counter}'\nexec '${NODE}' '${CLI}' "$@"\n`);
chmodSync(wrapper, 0o755);

function promptScript(shell: string, hook: string, n: number): string {
  if (shell === 'zsh') {
    return `source '${hook}'
zmodload zsh/datetime
cd '${acmeCwd}'
__atmos_auth_precmd
: > '${counter}.after-cd'; cat '${counter}' >> '${counter}.after-cd'
t0=$EPOCHREALTIME; repeat ${n} { __atmos_auth_precmd }; t1=$EPOCHREALTIME
e0=$EPOCHREALTIME; repeat ${n} { : }; e1=$EPOCHREALTIME
print -r -- "RESULT $(( (t1 - t0) * 1e6 / ${n} )) $(( (e1 - e0) * 1e6 / ${n} ))"`;
  }
  if (shell === 'bash') {
    return `source '${hook}'
cd '${acmeCwd}'
__atmos_auth_prompt_command
cat '${counter}' > '${counter}.after-cd'
t0=$EPOCHREALTIME; for ((i = 0; i < ${n}; i++)); do __atmos_auth_prompt_command; done; t1=$EPOCHREALTIME
e0=$EPOCHREALTIME; for ((i = 0; i < ${n}; i++)); do :; done; e1=$EPOCHREALTIME
echo "RESULT $(( (\${t1/./} - \${t0/./}) / ${n} )) $(( (\${e1/./} - \${e0/./}) / ${n} ))"`;
  }
  return `source '${hook}'
cd '${acmeCwd}'
emit fish_prompt
cat '${counter}' > '${counter}.after-cd'
set t0 (date +%s%N); for i in (seq ${n}); emit fish_prompt; end; set t1 (date +%s%N)
set e0 (date +%s%N); for i in (seq ${n}); true; end; set e1 (date +%s%N)
echo RESULT (math "($t1 - $t0) / 1000 / ${n}") (math "($e1 - $e0) / 1000 / ${n}")`;
}

const prompts: PromptResult[] = [];
for (const shell of ['zsh', 'bash', 'fish']) {
  if (!have(shell)) continue;
  const hook = path.join(work, `hook.${shell}`);
  writeFileSync(hook, mustRun(['hook', shell], work));
  writeFileSync(counter, '');
  const argv = shell === 'zsh' ? ['-f', '-c'] : shell === 'bash' ? ['--norc', '--noprofile', '-c'] : ['--no-config', '-c'];
  const r = spawnSync(shell, [...argv, promptScript(shell, hook, PROMPTS)], { cwd: work, env: { ...env, ATMOS_AUTH_BIN: wrapper, TERM: 'dumb' }, encoding: 'utf8', timeout: 300_000 });
  const m = /RESULT ([\d.]+) ([\d.]+)/.exec(r.stdout);
  if (!m) fail(`${shell} prompt loop failed (${r.status}):\n${r.stderr}\n${r.stdout}`);
  const lines = (f: string) => readFileSync(f, 'utf8').split('\n').filter(Boolean).length;
  const onCd = lines(`${counter}.after-cd`);
  const total = lines(counter);
  const version = spawnSync(shell, ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0]!.trim();
  prompts.push({ shell, version, startsOnCd: onCd, startsPerPrompts: total - onCd, prompts: PROMPTS, hookUs: round(Number(m[1]) - Number(m[2]), 1), emptyLoopUs: round(Number(m[2]), 2) });
}

// ---------------------------------------------------------------------------------------------
// Report

const stats = (xs: number[]) => ({ medianMs: round(median(xs)), minMs: round(Math.min(...xs)), maxMs: round(Math.max(...xs)), runs: xs.map((t) => round(t)) });
const med = (n: string) => median(times.get(n)!);
const results = Object.fromEntries(cases.map((c) => [c.name, { label: c.label, ...stats(times.get(c.name)!), vsNode: round(med(c.name) / med('node'), 2) }]));
const targets = TARGETS.map((t) => {
  const ratio = med(t.a) / med(t.b);
  return { ...t, ratio: round(ratio, 3), ok: ratio <= t.max };
});
const memRatio = rssNode && rssWarm ? rssWarm / rssNode : null;
const memOk = memRatio !== null && memRatio <= MEMORY_TARGET;
const promptsOk = prompts.length === 3 && prompts.every((p) => p.startsPerPrompts === 0 && p.startsOnCd === 1);
const ok = targets.every((t) => t.ok) && memOk && promptsOk;

const result = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? '',
  runs: RUNS,
  warmup: WARMUP,
  repos: {
    acme: { cwd: 'examples/acme (copy)/stacks/orgs/acme/plat/dev' },
    big: { manifests: big.gen.manifests, profiles: big.gen.profiles.length, cwd: bigLeafRel },
  },
  cases: results,
  ratios: {
    ...Object.fromEntries(targets.map((t) => [t.name, { ratio: t.ratio, max: t.max, ok: t.ok }])),
    'role credentials (SDK) / node': { ratio: round(med('role') / med('node'), 2) },
    'role credentials (SDK) / warm cd': { ratio: round(med('role') / med('warm'), 2) },
    'credential-process warm / node': { ratio: round(med('cp') / med('node'), 2) },
    ...(awsV2 ? { 'aws-v2 / warm cd': { ratio: round(med('aws-v2') / med('warm'), 2) } } : {}),
    ...(direnvEnv ? { 'direnv / warm cd': { ratio: round(med('direnv') / med('warm'), 2) } } : {}),
  },
  memory: { nodeKb: rssNode, warmKb: rssWarm, ratio: memRatio === null ? null : round(memRatio, 3), max: MEMORY_TARGET, ok: memOk },
  instructions: insn && insn.node ? {
    unit: 'millions, main thread, callgrind, median of 3, minus the hash-seed prime search',
    node: round(insn.node, 1),
    warm: insn.warm && round(insn.warm, 1),
    edit: insn.edit && round(insn.edit, 1),
    warmVsNode: insn.warm && round(insn.warm / insn.node, 3),
    warmInt: insn.warmInt && round(insn.warmInt, 1),
    warmIntVsNode: insn.warmInt && round(insn.warmInt / insn.node, 3),
    editVsNode: insn.edit && round(insn.edit / insn.node, 3),
  } : null,
  prompts,
  ok,
};
writeFileSync(opt.out, JSON.stringify(result, null, 2) + '\n');

const pad = (s: string, n: number) => s.padEnd(n);
const ms = (n: string) => {
  const s = results[n]!;
  return `${s.medianMs.toFixed(1).padStart(7)}  ${`${s.minMs.toFixed(1)}-${s.maxMs.toFixed(1)}`.padStart(13)}  ${s.vsNode.toFixed(2).padStart(6)}x`;
};
console.log(`\natmos-auth benchmark: Node ${process.version}, ${cpus().length} CPUs, ${RUNS} interleaved rounds after ${WARMUP} warm-up; wall ms`);
console.log(`${pad('case', 44)} ${'median'.padStart(7)}  ${'min-max'.padStart(13)}  ${'/node'.padStart(7)}`);
for (const c of cases) console.log(`${pad(c.label, 44)} ${ms(c.name)}`);
console.log('');
for (const t of targets) console.log(`${pad(t.name, 44)} ${t.ratio.toFixed(3).padStart(7)}  target <= ${t.max}  ${t.ok ? 'OK' : 'MISSED'}`);
console.log(`${pad('peak memory warm cd / node (max RSS)', 44)} ${memRatio === null ? '    n/a' : memRatio.toFixed(3).padStart(7)}  target <= ${MEMORY_TARGET}  ${memOk ? 'OK' : 'MISSED'}  (${rssWarm ?? '?'} KB vs ${rssNode ?? '?'} KB)`);
for (const [k, v] of Object.entries(result.ratios)) if (!('max' in v)) console.log(`${pad(k, 44)} ${v.ratio.toFixed(2).padStart(7)}`);
const ins = result.instructions;
if (ins) console.log(`${pad('instructions (M, main thread): node / warm / edit', 44)} ${ins.node} / ${ins.warm ?? '?'} (${ins.warmVsNode ?? '?'}x) / ${ins.edit ?? '?'} (${ins.editVsNode ?? '?'}x)`);
if (ins) console.log(`${pad('instructions (M): warm cd with EKS + ECR', 44)} ${ins.warmInt ?? '?'} (${ins.warmIntVsNode ?? '?'}x)`);
console.log('');
console.log(`${pad('prompts (nothing changed)', 44)} starts on cd  starts in N prompts  hook us/prompt`);
for (const p of prompts) console.log(`${pad(`${p.shell} (${p.version.slice(0, 30)})`, 44)} ${String(p.startsOnCd).padStart(12)}  ${`${p.startsPerPrompts} in ${p.prompts}`.padStart(18)}  ${p.hookUs.toFixed(1).padStart(14)}`);
console.log(`\n${ok ? 'all targets met' : 'TARGET MISSED'}; written: ${path.relative(root, opt.out)}`);
process.exit(ok ? 0 : 1);
