// `atmos-auth doctor` (issue 15 §1): every check, passing and failing, on examples/acme with the
// real CLI against the emulator (test/fake-aws), from real shells for the hook's marker.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFakeAws, type FakeAws } from '../fake-aws/server.ts';
import { runAsync } from '../helpers/spawn.ts';
import { hookFile, have } from '../helpers/shells.ts';
import { tempDir } from '../helpers/tmp.ts';
import { acme, cliPath, projectRoot } from '../atmos/helpers.ts';

interface Check { id: string; status: 'ok' | 'warn' | 'fail' | 'skip'; summary: string; fix?: string; detail?: string }
interface Report { checks: Check[]; ok: boolean }

const planDev = 'stacks/orgs/acme/plat/dev';
let fake: FakeAws;

test.before(async () => {
  fake = await startFakeAws({});
});
test.after(async () => fake.close());
test.before.each(() => {
  fake.scenario.clockSkewSeconds = 0;
  delete fake.scenario.loginAs;
  fake.clearLog();
});

/** A fresh machine: its own HOME and caches; ATMOS_AUTH_HOOK only when a test says so. */
function machine(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const home = tempDir('atmos-auth-doctor-');
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_CACHE_HOME: join(home, '.cache'),
    LANG: 'C.UTF-8', SHELL: '/bin/bash', ATMOS_PROFILE: 'developers',
    BROWSER: join(projectRoot, 'test/fake-aws/browser.sh'), FAKE_AWS_NODE: process.execPath, ...fake.env, ...extra,
  };
}

async function cli(args: string[], env: NodeJS.ProcessEnv, cwd: string) {
  const r = await runAsync(process.execPath, [cliPath, ...args], { env, cwd });
  return r;
}

/** A repository copy (so a test may edit it), allowed and signed in as the scenario's user unless told otherwise. */
async function prepared(o: { allow?: boolean; login?: boolean; env?: Record<string, string> } = {}) {
  const repo = join(tempDir('atmos-auth-doctor-repo-'), 'acme');
  cpSync(acme, repo, { recursive: true });
  const env = machine(o.env);
  if (o.allow !== false) assert.is((await cli(['allow', repo], env, repo)).status, 0);
  if (o.login !== false) {
    const r = await cli(['login', '--provider', 'acme-sso'], env, repo);
    assert.is(r.status, 0, r.stderr);
  }
  fake.clearLog();
  return { repo, env, dir: join(repo, planDev) };
}

async function doctor(env: NodeJS.ProcessEnv, cwd: string, args: string[] = []): Promise<{ status: number | null; report: Report; stderr: string }> {
  const r = await cli(['doctor', '--json', ...args], env, cwd);
  let report: Report;
  try {
    report = JSON.parse(r.stdout) as Report;
  } catch {
    throw new Error(`doctor printed no JSON (exit ${r.status}): ${r.stdout}${r.stderr}`);
  }
  return { status: r.status, report, stderr: r.stderr };
}

const byId = (r: Report, id: string): Check => {
  const c = r.checks.find((x) => x.id === id);
  if (!c) throw new Error(`no check ${id} in ${JSON.stringify(r.checks.map((x) => x.id))}`);
  return c;
};

/** The SSO token files of the AWS CLI's cache (Atmos's copy removed, so the edit is the only token). */
function editAwsToken(env: NodeJS.ProcessEnv, edit: (j: Record<string, unknown>) => void): void {
  rmSync(join(env.XDG_CACHE_HOME!, 'atmos', 'aws-sso'), { recursive: true, force: true });
  const dir = join(env.HOME!, '.aws', 'sso', 'cache');
  for (const f of readdirSync(dir)) {
    const file = join(dir, f);
    const j = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    if (typeof j.accessToken !== 'string') continue; // a client registration
    edit(j);
    writeFileSync(file, JSON.stringify(j));
  }
}

const ago = (s: number) => new Date(Date.now() - s * 1000).toISOString().replace(/\.\d+Z$/, 'Z');

function installDirenvLib(env: NodeJS.ProcessEnv): string {
  const lib = join(env.XDG_CONFIG_HOME!, 'direnv', 'lib', 'use_atmos.sh');
  mkdirSync(join(lib, '..'), { recursive: true });
  writeFileSync(lib, readFileSync(join(projectRoot, 'shell/use_atmos.sh')));
  return lib;
}

test('healthy acme from a real bash that loaded the hook: every check ok, exit 0, no secret shown', async () => {
  const { env, dir } = await prepared();
  installDirenvLib(env);
  const hook = hookFile(tempDir(), 'bash');
  const r = await runAsync('bash', ['--norc', '--noprofile', '-c', `source '${hook}'; '${process.execPath}' '${cliPath}' doctor --json`], { env, cwd: dir });
  const report = JSON.parse(r.stdout) as Report;
  assert.is(r.status, 0, r.stdout);
  assert.ok(report.ok);
  for (const c of report.checks) assert.is(c.status, 'ok', `${c.id}: ${c.summary}`);
  assert.equal(report.checks.map((c) => c.id), ['repository', 'trust', 'profile', 'stacks', 'identity', 'sso-session', 'clock', 'permission-set', 'credentials', 'cache-modes', 'hook', 'direnv']);
  assert.match(byId(report, 'hook').summary, 'loaded in this shell (bash)');
  assert.match(byId(report, 'identity').summary, 'plat-dev/terraform');
  assert.match(byId(report, 'identity').summary, 'TerraformApplyAccess in account plat-dev');
  assert.match(byId(report, 'sso-session').summary, /valid for 7h\d\dm, refreshable/);
  assert.match(byId(report, 'permission-set').summary, 'TerraformApplyAccess is assigned to you in account plat-dev (200000000001)');
  assert.is(fake.count('ListAccountRoles'), 1);
  // The token of the session is in the cache file; never in the report.
  const cacheDir = join(env.HOME!, '.aws', 'sso', 'cache');
  for (const f of readdirSync(cacheDir)) {
    const j = JSON.parse(readFileSync(join(cacheDir, f), 'utf8')) as Record<string, string>;
    for (const k of ['accessToken', 'refreshToken', 'clientSecret']) if (j[k]) assert.not.ok(r.stdout.includes(j[k]!), k);
  }
  assert.is(r.stderr, '');
});

test('the text report: a mark per line, the fix under a failure; ASCII marks outside a UTF-8 locale', async () => {
  const env = machine({ ATMOS_AUTH_HOOK: 'zsh' });
  const here = tempDir();
  const utf = await cli(['doctor'], env, here);
  assert.is(utf.status, 1);
  assert.match(utf.stdout, /^✗ repository +no atmos\.yaml in /m);
  assert.match(utf.stdout, /^ +fix: cd into your Atmos repository/m);
  assert.match(utf.stdout, /^✓ hook +loaded in this shell \(zsh\)/m);
  assert.match(utf.stdout, /^! direnv /m);
  assert.match(utf.stdout, /^- trust +no Atmos repository/m);
  const ascii = await cli(['doctor'], { ...env, LANG: 'C' }, here);
  assert.match(ascii.stdout, /^\[FAIL\] repository /m);
  assert.match(ascii.stdout, /^\[ok\] +hook /m);
  assert.not.match(ascii.stdout, /[✓✗]/);
});

test('text report: a profile name with a terminal escape is shown escaped; quotes in a fix stay as written', async () => {
  const { env, dir } = await prepared({ login: false, env: { ATMOS_PROFILE: 'dev\u001b[2Jelopers', SHELL: '/bin/zsh' } });
  const r = await cli(['doctor', '--offline'], env, dir);
  assert.is(r.status, 1);
  assert.not.ok(r.stdout.includes('\u001b'), 'no raw ESC on the terminal');
  assert.match(r.stdout, 'profile dev\\u001b[2Jelopers (from ATMOS_PROFILE) does not exist');
  assert.match(r.stdout, 'fix: add `eval "$(atmos-auth hook zsh)"` at the end of ~/.zshrc');
});

test('no atmos.yaml: repository fails, exit 1, the repository checks skipped, the machine ones still run', async () => {
  const { status, report } = await doctor(machine(), tempDir());
  assert.is(status, 1);
  assert.not.ok(report.ok);
  assert.is(byId(report, 'repository').status, 'fail');
  assert.match(byId(report, 'repository').fix!, 'cd into your Atmos repository');
  for (const id of ['trust', 'profile', 'identity', 'sso-session', 'clock', 'permission-set']) assert.is(byId(report, id).status, 'skip', id);
  assert.is(byId(report, 'cache-modes').status, 'ok');
});

test('ATMOS_PROFILE misspelt: "did you mean developers", the export that fixes it', async () => {
  const { env, dir } = await prepared({ login: false, env: { ATMOS_PROFILE: 'developer', ATMOS_AUTH_HOOK: 'bash' } });
  const { status, report } = await doctor(env, dir);
  assert.is(status, 1);
  const p = byId(report, 'profile');
  assert.is(p.status, 'fail');
  assert.match(p.summary, 'profile developer (from ATMOS_PROFILE) does not exist (did you mean developers?)');
  assert.is(p.fix, 'export ATMOS_PROFILE=developers');
  const flag = await doctor(env, dir, ['--profile', 'devop']);
  assert.is(byId(flag.report, 'profile').fix, '--profile devops');
});

test('identity not defined in the active profile: the profiles that define it', async () => {
  const { env, dir, repo } = await prepared({ login: false, env: { ATMOS_PROFILE: 'readonly', ATMOS_AUTH_HOOK: 'bash' } });
  mkdirSync(join(repo, 'profiles', 'readonly'));
  writeFileSync(join(repo, 'profiles', 'readonly', 'atmos.yaml'), 'logs:\n  level: Info\n');
  const { status, report } = await doctor(env, dir);
  assert.is(status, 1);
  assert.is(byId(report, 'profile').status, 'ok');
  const i = byId(report, 'identity');
  assert.is(i.status, 'fail');
  assert.match(i.summary, "'plat-dev/terraform'");
  assert.match(i.summary, 'profile readonly');
  assert.match(i.fix!, 'profiles that define it: developers, devops');
  assert.match(i.fix!, 'export ATMOS_PROFILE=developers');
});

test('repository not allowed: trust fails with the allow command, no network call at all', async () => {
  const { env, dir, repo } = await prepared({ allow: false, env: { ATMOS_AUTH_HOOK: 'bash' } });
  const { status, report } = await doctor(env, dir);
  assert.is(status, 1);
  const t = byId(report, 'trust');
  assert.is(t.status, 'fail');
  assert.match(t.fix!, `atmos-auth allow`);
  assert.match(t.fix!, repo);
  assert.is(byId(report, 'clock').status, 'skip');
  assert.match(byId(report, 'permission-set').summary, 'not allowed');
  assert.is(fake.requests().length, 0);
});

test('pins changed: a provider moved to another start URL since the allow', async () => {
  const { env, dir, repo } = await prepared({ login: false, env: { ATMOS_AUTH_HOOK: 'bash' } });
  const file = join(repo, 'atmos.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace('https://acme.awsapps.com/start/', 'https://evil.awsapps.com/start/'));
  const { status, report } = await doctor(env, dir);
  assert.is(status, 1);
  const t = byId(report, 'trust');
  assert.is(t.status, 'fail');
  assert.match(t.summary, 'changed from');
  assert.match(t.summary, 'evil.awsapps.com');
  assert.match(t.fix!, 'atmos-auth allow');
  assert.is(fake.requests().length, 0);
});

test('no SSO session: login named, network checks skipped', async () => {
  const { env, dir } = await prepared({ login: false, env: { ATMOS_AUTH_HOOK: 'bash' } });
  const { status, report } = await doctor(env, dir);
  assert.is(status, 1);
  const s = byId(report, 'sso-session');
  assert.is(s.status, 'fail');
  assert.match(s.summary, 'no SSO session for provider acme-sso');
  assert.is(s.fix, 'atmos-auth login --provider acme-sso');
  assert.match(byId(report, 'clock').summary, 'never opens a browser');
  assert.is(fake.requests().length, 0);
});

test('session expired but refreshable: a warning, the network checks run (a refresh, never a browser), exit 0', async () => {
  const { env, dir } = await prepared({ env: { ATMOS_AUTH_HOOK: 'bash' } });
  editAwsToken(env, (j) => { j.expiresAt = ago(60); });
  const { status, report } = await doctor(env, dir);
  const s = byId(report, 'sso-session');
  assert.is(s.status, 'warn');
  assert.match(s.summary, 'expired, refreshable');
  assert.is(byId(report, 'permission-set').status, 'ok');
  assert.is(fake.count('CreateToken'), 1, 'one refresh');
  assert.is(fake.count('Authorize') + fake.count('StartDeviceAuthorization'), 0);
  assert.is(status, 0, JSON.stringify(report.checks.filter((c) => c.status === 'fail')));
});

test('client registration expired: the session cannot be refreshed, login named, no network', async () => {
  const { env, dir } = await prepared({ env: { ATMOS_AUTH_HOOK: 'bash' } });
  editAwsToken(env, (j) => { j.expiresAt = ago(60); j.registrationExpiresAt = ago(30); });
  const { status, report } = await doctor(env, dir);
  assert.is(status, 1);
  const s = byId(report, 'sso-session');
  assert.is(s.status, 'fail');
  assert.match(s.summary, 'expired and not refreshable (client registration expired)');
  assert.is(s.fix, 'atmos-auth login --provider acme-sso');
  assert.is(byId(report, 'permission-set').status, 'skip');
  assert.is(fake.requests().length, 0);
});

test('clock skew over 5 minutes (the emulator\'s Date 10 minutes ahead): fails with the fix; 90 s is a warning', async () => {
  const { env, dir } = await prepared({ env: { ATMOS_AUTH_HOOK: 'bash' } });
  fake.scenario.clockSkewSeconds = 600;
  let { status, report } = await doctor(env, dir);
  assert.is(status, 1);
  const c = byId(report, 'clock');
  assert.is(c.status, 'fail');
  assert.match(c.summary, /clock is (599|600|601) s behind AWS's/);
  assert.match(c.fix!, 'timedatectl set-ntp true');
  fake.scenario.clockSkewSeconds = -90;
  ({ status, report } = await doctor(env, dir));
  assert.is(byId(report, 'clock').status, 'warn');
  assert.match(byId(report, 'clock').summary, /(89|90|91) s ahead of AWS's/);
});

test('permission set not assigned (bob has only TerraformPlanAccess on plat-*): the admin ask and the profiles that give it', async () => {
  fake.scenario.loginAs = 'bob';
  const { env, dir } = await prepared({ env: { ATMOS_AUTH_HOOK: 'bash' } });
  const { status, report } = await doctor(env, dir);
  assert.is(status, 1);
  const p = byId(report, 'permission-set');
  assert.is(p.status, 'fail');
  assert.match(p.summary, 'TerraformApplyAccess is not assigned to you in account plat-dev (200000000001) (you have there: TerraformPlanAccess)');
  assert.match(p.fix!, 'ask your AWS admin for permission set TerraformApplyAccess in account plat-dev (200000000001)');
  assert.match(p.fix!, 'managers (TerraformPlanAccess, assigned to you)');
  assert.match(p.fix!, 'export ATMOS_PROFILE=managers');
  assert.not.match(p.fix!, 'developers (');
});

test('an account bob has no assignment in at all (core-auto): not visible, the admin ask and the profiles', async () => {
  fake.scenario.loginAs = 'bob';
  const { env, repo } = await prepared({ env: { ATMOS_AUTH_HOOK: 'bash' } });
  const { status, report } = await doctor(env, join(repo, 'stacks/orgs/acme/core/auto'));
  assert.is(status, 1);
  const p = byId(report, 'permission-set');
  assert.is(p.status, 'fail');
  assert.match(p.summary, 'account core-auto is not visible to you in IAM Identity Center');
  assert.match(p.fix!, 'ask your AWS admin for permission set TerraformStateAccess in account core-auto');
  assert.match(p.fix!, 'devops (TerraformApplyAccess)');
  assert.not.match(p.fix!, 'assigned to you');
  assert.match(p.detail!, 'accounts you can see: plat-');
});

test('credentials cache file readable by others: fails with the chmod that fixes it', async () => {
  const { env, dir } = await prepared({ env: { ATMOS_AUTH_HOOK: 'bash' } });
  const ex = await cli(['export', '--format', 'json', '--no-login'], env, dir);
  assert.is(ex.status, 0, ex.stderr);
  const credDir = join(env.XDG_CACHE_HOME!, 'atmos-auth', 'credentials');
  const files = readdirSync(credDir).map((f) => join(credDir, f)).filter((f) => statSync(f).isFile());
  assert.ok(files.length >= 1);
  let { report } = await doctor(env, dir);
  assert.is(byId(report, 'cache-modes').status, 'ok');
  assert.match(byId(report, 'credentials').summary, /plat-dev\/terraform: cached, \d+m left/);
  chmodSync(files[0]!, 0o644);
  const r = await doctor(env, dir);
  report = r.report;
  assert.is(r.status, 1);
  const c = byId(report, 'cache-modes');
  assert.is(c.status, 'fail');
  assert.match(c.summary, `${files[0]} is 644`);
  assert.is(c.fix, `chmod 600 '${files[0]}'`);
});

test('hook not loaded: a failure without the direnv library, a warning with it; direnv check follows the file', async () => {
  const { env, dir } = await prepared({ env: { SHELL: '/usr/bin/zsh' } });
  let { status, report } = await doctor(env, dir);
  assert.is(status, 1);
  assert.is(byId(report, 'hook').status, 'fail');
  assert.match(byId(report, 'hook').summary, 'not loaded in this shell (zsh)');
  assert.match(byId(report, 'hook').fix!, 'eval "$(atmos-auth hook zsh)"');
  assert.is(byId(report, 'direnv').status, 'warn');
  assert.match(byId(report, 'direnv').fix!, 'atmos-auth direnv >');
  const lib = installDirenvLib(env);
  ({ status, report } = await doctor(env, dir));
  assert.is(byId(report, 'hook').status, 'warn');
  assert.is(byId(report, 'direnv').status, 'ok');
  assert.match(byId(report, 'direnv').summary, lib);
  assert.is(status, 0);
});

test('hook loaded in real zsh and fish: the marker names the shell', async () => {
  for (const sh of ['zsh', 'fish'] as const) {
    if (!have(sh)) throw new Error(`${sh} is needed for this test (Debian package ${sh})`);
    const env = machine();
    const hook = hookFile(tempDir(), sh);
    const argv = sh === 'zsh' ? ['-f', '-c', `source '${hook}'; '${process.execPath}' '${cliPath}' doctor --json --offline`] : ['--no-config', '-c', `source '${hook}'; '${process.execPath}' '${cliPath}' doctor --json --offline`];
    const r = await runAsync(sh, argv, { env, cwd: tempDir() });
    const report = JSON.parse(r.stdout) as Report;
    assert.is(byId(report, 'hook').status, 'ok', sh);
    assert.is(byId(report, 'hook').summary, `loaded in this shell (${sh})`);
  }
});

test('--offline: the network checks are skipped with the reason, not one request', async () => {
  const { env, dir } = await prepared({ env: { ATMOS_AUTH_HOOK: 'bash' } });
  const { status, report } = await doctor(env, dir, ['--offline']);
  assert.is(status, 0);
  for (const id of ['clock', 'permission-set']) {
    assert.is(byId(report, id).status, 'skip');
    assert.is(byId(report, id).summary, '--offline');
  }
  assert.is(byId(report, 'sso-session').status, 'ok');
  assert.is(fake.requests().length, 0);
});

test('--json shape: {checks: [{id, status, summary, fix?, detail?}], ok}; --stack picks a stack by name', async () => {
  const { env, repo } = await prepared({ env: { ATMOS_AUTH_HOOK: 'bash' } });
  const { report } = await doctor(env, repo, ['-s', 'plat-use2-prod', '--offline']);
  assert.equal(Object.keys(report).sort(), ['checks', 'ok']);
  assert.type(report.ok, 'boolean');
  for (const c of report.checks) {
    for (const k of Object.keys(c)) assert.ok(['id', 'status', 'summary', 'fix', 'detail'].includes(k), k);
    assert.ok(['ok', 'warn', 'fail', 'skip'].includes(c.status));
    assert.type(c.summary, 'string');
    if (c.status === 'ok') assert.is(c.fix, undefined);
  }
  assert.match(byId(report, 'stacks').summary, 'stack: plat-use2-prod');
  assert.match(byId(report, 'identity').summary, 'plat-prod/terraform');
  assert.match(byId(report, 'identity').summary, 'TerraformPlanAccess');
});

test.run();
