// Identity chains other than a plain permission set: the break-glass IAM user with MFA (keys
// entered with `user configure` on stdin, MFA code on stdin), assume-role from it, and GitHub OIDC
// with AssumeRoleWithWebIdentity; plus 8 shells racing on a cold cache.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SUPERADMIN } from '../fake-aws/scenario.ts';
import { startFakeAws } from '../fake-aws/server.ts';
import { cli, ops, parseExports, sandbox } from './helpers.ts';

const fake = await startFakeAws();
const sb = sandbox(fake, { ATMOS_PROFILE: 'superadmin' });

test.after(async () => {
  await fake.close();
  sb.cleanup();
});

test('aws/user without stored keys: says to run user configure', async () => {
  const r = await cli(sb, ['export'], { cwd: sb.stackDir('core/root'), input: '123456\n' });
  assert.is(r.code, 1);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /atmos-auth user configure superadmin/);
});

test('user configure reads the keys from stdin (never argv) and stores them 0600', async () => {
  const r = await cli(sb, ['user', 'configure', 'superadmin'], { input: `${SUPERADMIN.accessKeyId}\n${SUPERADMIN.secretAccessKey}\n` });
  assert.is(r.code, 0, r.stderr);
  const file = /in (\S+)$/m.exec(r.stdout)?.[1] ?? '';
  assert.is(statSync(file).mode & 0o777, 0o600);
  assert.is(statSync(join(file, '..')).mode & 0o777, 0o700);
  assert.ok(readFileSync(file, 'utf8').includes(SUPERADMIN.accessKeyId));
  assert.not.ok(r.stdout.includes(SUPERADMIN.secretAccessKey) || r.stderr.includes(SUPERADMIN.secretAccessKey));
});

test('MFA: without a way to prompt, the command that fixes it; a wrong code is refused', async () => {
  const never = await cli(sb, ['export', '--no-login'], { cwd: sb.stackDir('core/root') });
  assert.is(never.code, 1);
  assert.is(never.stdout, '');
  assert.match(never.stderr, /MFA/);
  assert.match(never.stderr, /atmos-auth login --identity core-root\/terraform/);
  const wrong = await cli(sb, ['export'], { cwd: sb.stackDir('core/root'), input: '000000\n' });
  assert.is(wrong.code, 1);
  assert.is(wrong.stdout, '');
  assert.match(wrong.stderr, /MFA|GetSessionToken/);
});

test('MFA code on stdin -> GetSessionToken -> AssumeRole; the MFA session is cached for other roles', async () => {
  fake.clearLog();
  const r = await cli(sb, ['export'], { cwd: sb.stackDir('core/root'), input: `${SUPERADMIN.mfaCode}\n` });
  assert.is(r.code, 0, r.stderr);
  assert.is(parseExports(r.stdout).ATMOS_AUTH_IDENTITY, 'core-root/terraform');
  assert.is(fake.count('GetSessionToken'), 1);
  assert.is(fake.count('AssumeRole'), 1);
  fake.clearLog();
  const other = await cli(sb, ['whoami', '--json'], { cwd: sb.stackDir('plat/dev') });
  assert.is(other.code, 0, other.stderr);
  const j = JSON.parse(other.stdout) as { account: string; arn: string };
  assert.is(j.account, '200000000001');
  assert.match(j.arn, /assumed-role\/acme-plat-dev-terraform\/atmos-plat-dev-terraform-\d+/);
  assert.is(fake.count('GetSessionToken'), 0);
  assert.is(fake.count('AssumeRole'), 1);
});

test('AccessDenied on AssumeRole names identity, role and what to do', async () => {
  const role = fake.scenario.roles.find((r) => r.arn.endsWith(':role/acme-plat-staging-terraform'))!;
  const saved = role.trust;
  role.trust = [];
  try {
    const r = await cli(sb, ['export'], { cwd: sb.stackDir('plat/staging') });
    assert.is(r.code, 1);
    assert.is(r.stdout, '');
    assert.match(r.stderr, /plat-staging\/terraform/);
    assert.match(r.stderr, /acme-plat-staging-terraform/);
    assert.match(r.stderr, /trust policy/);
    assert.match(r.stderr, /superadmin/);
    // Which AWS call, and the profiles that map the identity to something else (read offline).
    assert.match(r.stderr, /\(sts:AssumeRole denied\)/);
    assert.match(r.stderr, /profiles mapping plat-staging\/terraform otherwise: devops \(TerraformApplyAccess, apply\), developers \(TerraformPlanAccess, plan\), github-plan \(role acme-plat-staging-planner, plan\), managers \(TerraformPlanAccess, plan\) \(ATMOS_PROFILE=<profile> atmos-auth export\)/);
    assert.not.match(r.stderr, /github-apply \(/, 'github-apply maps it to the same role');
  } finally {
    role.trust = saved;
  }
});

test('GitHub OIDC: ID token -> AssumeRoleWithWebIdentity; --format github appends to $GITHUB_ENV, stdout only masks', async () => {
  const envFile = join(sb.dir, 'github_env');
  fake.clearLog();
  const r = await cli(sb, ['export', '--format', 'github'], {
    env: {
      ATMOS_PROFILE: 'github-plan',
      BROWSER: '',
      ACTIONS_ID_TOKEN_REQUEST_URL: `${fake.url}/__github/token`,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: fake.scenario.github.requestToken,
      GITHUB_ENV: envFile,
    },
  });
  assert.is(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.is(lines.length, 3);
  for (const l of lines) assert.match(l, /^::add-mask::\S+$/);
  const file = readFileSync(envFile, 'utf8');
  assert.match(file, /^AWS_ACCESS_KEY_ID<<ATMOS_AUTH_EOF_/m);
  assert.match(file, /^ATMOS_AUTH_IDENTITY<<[^\n]+\nplat-dev\/terraform\n/m);
  for (const l of lines) assert.ok(file.includes(l.slice('::add-mask::'.length)));
  assert.is(fake.count('GitHubToken'), 1);
  assert.is(fake.count('AssumeRoleWithWebIdentity'), 1);
});

test('8 concurrent exports on a cold cache: one Authorize, one CreateToken, one GetRoleCredentials', async () => {
  const cold = sandbox(fake);
  try {
    fake.clearLog();
    const runs = await Promise.all(Array.from({ length: 8 }, () => cli(cold, ['export'])));
    const keys = new Set<string>();
    for (const r of runs) {
      assert.is(r.code, 0, r.stderr);
      keys.add(parseExports(r.stdout).AWS_ACCESS_KEY_ID ?? '');
    }
    assert.is(keys.size, 1);
    assert.is(fake.count('Authorize'), 1);
    assert.is(fake.requests().filter((e) => e.op === 'CreateToken' && e.grantType === 'authorization_code').length, 1);
    assert.is(fake.count('GetRoleCredentials'), 1, ops(fake).join(' '));
  } finally {
    cold.cleanup();
  }
});

test.run();
