// Every error of issue 3 §3 through `export`: exit code, empty stdout, one message naming what to
// do. Plus throttling that recovers, unreachable endpoints within a bounded time, and no terminal.
import { chmodSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startFakeAws } from '../fake-aws/server.ts';
import { cli, parseExports, sandbox } from './helpers.ts';

// bob only has TerraformPlanAccess on the plat accounts.
const fake = await startFakeAws({ scenario: { loginAs: 'bob' } });
const sb = sandbox(fake);

test.after(async () => {
  await fake.close();
  sb.cleanup();
});

test('no terminal and no BROWSER: no login, the one command that fixes it', async () => {
  const r = await cli(sb, ['export'], { env: { BROWSER: '' } });
  assert.is(r.code, 1);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /atmos-auth login --identity plat-dev\/terraform/);
  assert.is(fake.count('Authorize'), 0);
});

test('no assignment: names profile, identity, permission set and account, and what to do', async () => {
  const r = await cli(sb, ['export']);
  assert.is(r.code, 1);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /profile developers maps plat-dev\/terraform to TerraformApplyAccess in plat-dev \(200000000001\)/);
  assert.match(r.stderr, /no such assignment \(sso:GetRoleCredentials refused\)/);
  assert.match(r.stderr, /ask/);
  // The other profiles, read offline from the repository: same access elsewhere is not "more".
  assert.match(r.stderr, /profiles mapping plat-dev\/terraform otherwise: github-apply \(role acme-plat-dev-terraform, apply\), superadmin \(role acme-plat-dev-terraform, apply\), github-plan \(role acme-plat-dev-planner, plan\), managers \(TerraformPlanAccess, plan\); run one with: ATMOS_PROFILE=<profile> atmos-auth export/);
  assert.match(r.stderr, /ATMOS_PROFILE=<profile> atmos-auth export/);
  assert.not.match(r.stderr, /devops \(/, 'devops maps it to the same permission set');
  assert.is(r.stderr.trim().split('\n').filter((l) => l.startsWith('atmos-auth: ') && !/signing in|Opening|visit/.test(l)).length, 1);
});

test('the same user gets the plan-only identity of plat-prod (the login was kept)', async () => {
  fake.clearLog();
  const r = await cli(sb, ['export'], { cwd: sb.stackDir('plat/prod') });
  assert.is(r.code, 0, r.stderr);
  assert.is(parseExports(r.stdout).ATMOS_AUTH_ACCESS, 'plan');
  assert.is(fake.count('Authorize'), 0);
});

test('throttling: retried with backoff, then success', async () => {
  fake.clearLog();
  fake.fault({ op: 'GetRoleCredentials', status: 429, errorType: 'TooManyRequestsException', times: 2 });
  const r = await cli(sb, ['export', '--no-login'], { cwd: sb.stackDir('plat/staging') });
  assert.is(r.code, 0, r.stderr);
  assert.is(fake.count('GetRoleCredentials'), 3);
});

test('throttling that does not stop: a clear error, nothing on stdout', async () => {
  fake.clearFaults();
  fake.fault({ op: 'GetRoleCredentials', status: 429, errorType: 'TooManyRequestsException' });
  try {
    const r = await cli(sb, ['export', '--no-login'], { cwd: sb.stackDir('plat/sandbox') });
    assert.is(r.code, 1);
    assert.is(r.stdout, '');
    assert.match(r.stderr, /throttl/i);
    assert.match(r.stderr, /plat-sandbox\/terraform/);
  } finally {
    fake.clearFaults();
  }
});

test('endpoint unreachable: fails within a bounded time, naming the endpoint', async () => {
  const r = await cli(sb, ['export', '--no-login'], {
    cwd: sb.stackDir('plat/sandbox'),
    env: { AWS_ENDPOINT_URL_SSO: 'http://127.0.0.1:9' },
    timeoutMs: 30_000,
  });
  assert.is(r.signal, null, 'killed by the test timeout: the command hung');
  assert.is(r.code, 1);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /cannot reach .*127\.0\.0\.1:9/);
  // Where: the identity; next: the variable that overrides the endpoint.
  assert.match(r.stderr, /identity plat-sandbox\/terraform/);
  assert.match(r.stderr, /\n  check your network\/VPN; the endpoint can be overridden with AWS_ENDPOINT_URL_SSO\b/);
});

test('slow endpoint: the request deadline applies', async () => {
  fake.fault({ op: 'GetRoleCredentials', delayMs: 4000 });
  try {
    const r = await cli(sb, ['export', '--no-login'], { cwd: sb.stackDir('plat/sandbox'), env: { ATMOS_AUTH_HTTP_TIMEOUT_MS: '300' }, timeoutMs: 30_000 });
    assert.is(r.signal, null);
    assert.is(r.code, 1);
    assert.is(r.stdout, '');
    assert.match(r.stderr, /cannot reach|no answer/);
  } finally {
    fake.clearFaults();
  }
});

test('a revoked session with --no-login: nothing on stdout, names atmos-auth login', async () => {
  fake.revokeTokens();
  const r = await cli(sb, ['export', '--no-login'], { cwd: sb.stackDir('plat/sandbox') });
  assert.is(r.code, 1);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /atmos-auth login/);
});

test('unknown format and unknown identity: usage/config errors, nothing on stdout', async () => {
  const f = await cli(sb, ['export', '--format', 'tcsh']);
  assert.is(f.code, 2);
  assert.is(f.stdout, '');
  assert.match(f.stderr, /unknown format/);
  const i = await cli(sb, ['export', '--identity', 'nope/terraform']);
  assert.is(i.code, 1);
  assert.is(i.stdout, '');
  assert.match(i.stderr, /nope\/terraform/);
});

/** The lines atmos-auth printed as its error: the first stands alone, the hint is indented. */
function errorLines(stderr: string): string[] {
  const i = stderr.lastIndexOf('atmos-auth: ');
  return stderr.slice(i).trimEnd().split('\n');
}

test('unknown --identity: what, did you mean, the flag to use', async () => {
  const r = await cli(sb, ['export', '--identity', 'plat-dev/terrafrom']);
  assert.is(r.code, 1);
  assert.is(r.stdout, '');
  const [first, hint, ...more] = errorLines(r.stderr);
  assert.match(first!, /identity 'plat-dev\/terrafrom' .*the active configuration \(profile developers\) does not define it/);
  assert.is(hint, "  did you mean 'plat-dev/terraform'? use --identity plat-dev/terraform (no profile defines 'plat-dev/terrafrom')");
  assert.equal(more, []);
});

test('a misspelt --profile or ATMOS_PROFILE: the profiles, did you mean, what to run', async () => {
  const f = await cli(sb, ['export', '--profile', 'developer']);
  assert.is(f.code, 1);
  assert.is(f.stdout, '');
  const [first, hint] = errorLines(f.stderr);
  assert.match(first!, /unknown profile 'developer' \(from --profile\); available: developers, devops, github-apply/);
  assert.match(hint!, /^  did you mean 'developers'\? use --profile developers; searched: .*profiles\/developer/);
  const e = await cli(sb, ['export'], { env: { ATMOS_PROFILE: 'devop' } });
  assert.is(e.code, 1);
  assert.match(errorLines(e.stderr)[1]!, /did you mean 'devops'\? export ATMOS_PROFILE=devops/);
});

test('a config error: file:line:col, and the shell gets nothing', async () => {
  const file = join(sb.acme, 'stacks/orgs/acme/plat/dev/us-east-2.yaml');
  const before = readFileSync(file, 'utf8');
  writeFileSync(file, `${before}\nbroken: [unclosed\n`);
  try {
    const r = await cli(sb, ['export'], { cwd: sb.stackDir('plat/dev') });
    assert.is(r.code, 1);
    assert.is(r.stdout, '');
    const [first, hint] = errorLines(r.stderr);
    assert.match(first!, /^atmos-auth: \S*stacks\/orgs\/acme\/plat\/dev\/us-east-2\.yaml:\d+:\d+: invalid YAML/);
    assert.is(hint, '  fix it there; `atmos-auth resolve` checks the result offline');
  } finally {
    writeFileSync(file, before);
  }
});

test('an expired session in a non-interactive run: the login command, not a browser', async () => {
  fake.revokeTokens();
  fake.clearLog();
  // plat/sandbox: never fetched with success above, so nothing cached can stand in for the session.
  const r = await cli(sb, ['export', '--no-login'], { cwd: sb.stackDir('plat/sandbox') });
  assert.is(r.code, 1);
  assert.is(r.stdout, '');
  const [first, hint] = errorLines(r.stderr);
  // The first line alone (the hook's quiet mode) says what and for which identity.
  assert.match(first!, /SSO session .*identity plat-sandbox\/terraform/);
  assert.match(hint!, /^  (run|log in again): atmos-auth login (--identity plat-sandbox\/terraform|--provider acme-sso)/);
  assert.is(fake.count('Authorize'), 0);
});

test('a cache file others can read: which file, the chmod or rm to run', async () => {
  // Sign in and cache credentials for plat/prod (bob's plan-only identity there).
  const ok = await cli(sb, ['export'], { cwd: sb.stackDir('plat/prod') });
  assert.is(ok.code, 0, ok.stderr);
  const dir = join(sb.home, '.cache/atmos-auth/credentials');
  const files = readdirSync(dir).filter((n) => n.endsWith('.json'));
  assert.ok(files.length > 0, 'a credentials cache file');
  for (const n of files) chmodSync(join(dir, n), 0o644);
  try {
    const r = await cli(sb, ['export', '--no-login'], { cwd: sb.stackDir('plat/prod') });
    assert.is(r.code, 1);
    assert.is(r.stdout, '');
    const [first, hint] = errorLines(r.stderr);
    assert.match(first!, /refusing to use \S*\.cache\/atmos-auth\/credentials\/[0-9a-f]{40}\.json: mode 644 lets others read it/);
    assert.match(hint!, /^  if only you wrote it, run: chmod 600 '\S+\.json'; otherwise remove it \(rm -f '\S+\.json'\)/);
  } finally {
    for (const n of files) chmodSync(join(dir, n), 0o600);
  }
});

test.run();
