// export through IAM Identity Center against the emulator: cold start with the browser step, warm
// cache with zero requests, silent refresh, revoked session, 8 concurrent shells, whoami, status,
// logout, credential-process and exec.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startFakeAws } from '../fake-aws/server.ts';
import { cli, ops, parseExports, sandbox } from './helpers.ts';

const fake = await startFakeAws();
const sb = sandbox(fake);

test.after(async () => {
  await fake.close();
  sb.cleanup();
});

let first: Record<string, string> = {};

test('cold start: browser login once, eval-able lines with keys STS accepts', async () => {
  const r = await cli(sb, ['export', '--format', 'zsh']);
  assert.is(r.code, 0, r.stderr);
  first = parseExports(r.stdout);
  assert.ok(first.AWS_ACCESS_KEY_ID?.startsWith('ASIA'), r.stdout);
  assert.ok(first.AWS_SECRET_ACCESS_KEY);
  assert.ok(first.AWS_SESSION_TOKEN);
  assert.match(first.AWS_CREDENTIAL_EXPIRATION ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.is(first.ATMOS_AUTH_IDENTITY, 'plat-dev/terraform');
  assert.is(first.ATMOS_AUTH_PROFILE, 'developers');
  assert.is(first.ATMOS_AUTH_ACCESS, 'apply');
  assert.match(r.stdout, /^unset AWS_PROFILE;?$/m);
  assert.is(fake.count('Authorize'), 1);
  assert.is(fake.count('GetRoleCredentials'), 1);

  const who = await cli(sb, ['whoami', '--json']);
  assert.is(who.code, 0, who.stderr);
  const j = JSON.parse(who.stdout) as { account: string; arn: string; identity: string };
  assert.is(j.account, '200000000001');
  assert.is(j.identity, 'plat-dev/terraform');
  assert.match(j.arn, /TerraformApplyAccess/);
});

test('cache files are 0600 in 0700 directories', () => {
  const dir = join(sb.home, '.cache/atmos-auth/credentials');
  assert.is(statSync(dir).mode & 0o777, 0o700);
  const st = statSync(join(sb.home, '.cache/atmos-auth'));
  assert.is(st.mode & 0o077, 0);
});

test('warm cache: the second export makes zero requests and prints the same keys', async () => {
  fake.clearLog();
  const r = await cli(sb, ['export', '--format', 'bash', '--no-login'], { env: { BROWSER: '' } });
  assert.is(r.code, 0, r.stderr);
  assert.equal(ops(fake), []);
  assert.is(parseExports(r.stdout).AWS_SECRET_ACCESS_KEY, first.AWS_SECRET_ACCESS_KEY);
});

test('credentials near expiry are fetched again without a login (ATMOS_AUTH_MIN_TTL)', async () => {
  fake.clearLog();
  const r = await cli(sb, ['export', '--no-login'], { env: { ATMOS_AUTH_MIN_TTL: '7200', BROWSER: '' } });
  assert.is(r.code, 0, r.stderr);
  assert.is(fake.count('GetRoleCredentials'), 1);
  assert.is(fake.count('Authorize'), 0);
  assert.is.not(parseExports(r.stdout).AWS_ACCESS_KEY_ID, first.AWS_ACCESS_KEY_ID);
});

test('another stack directory switches identity (plan-only in plat-prod for developers)', async () => {
  const r = await cli(sb, ['export'], { cwd: sb.stackDir('plat/prod') });
  assert.is(r.code, 0, r.stderr);
  const e = parseExports(r.stdout);
  assert.is(e.ATMOS_AUTH_IDENTITY, 'plat-prod/terraform');
  assert.is(e.ATMOS_AUTH_ACCESS, 'plan');
});

test('no identity applies: only the lines that clear what atmos-auth set', async () => {
  const r = await cli(sb, ['export'], { cwd: sb.dir, env: { ATMOS_AUTH_IDENTITY: 'plat-dev/terraform', AWS_ACCESS_KEY_ID: 'AKIAX', AWS_REGION: 'us-east-2' } });
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^unset ATMOS_AUTH_IDENTITY;?$/m);
  assert.match(r.stdout, /^unset AWS_ACCESS_KEY_ID;?$/m);
  assert.not.match(r.stdout, /^export /m);
});

test('credential-process prints Version 1 JSON with Expiration, from the cache', async () => {
  fake.clearLog();
  const r = await cli(sb, ['credential-process', '--identity', 'plat-dev/terraform', '--root', sb.acme], { cwd: sb.dir });
  assert.is(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as Record<string, unknown>;
  assert.is(j.Version, 1);
  assert.ok(typeof j.AccessKeyId === 'string' && typeof j.SecretAccessKey === 'string' && typeof j.SessionToken === 'string');
  assert.match(String(j.Expiration), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(ops(fake), []);
});

test('exec: env only (no secret in argv), exit status passed through', async () => {
  const script = "const k=process.env.AWS_SECRET_ACCESS_KEY||''; console.log(JSON.stringify({k, id: process.env.ATMOS_AUTH_IDENTITY, argv: process.argv})); process.exit(7)";
  const r = await cli(sb, ['exec', '--', process.execPath, '-e', script]);
  assert.is(r.code, 7, r.stderr);
  const j = JSON.parse(r.stdout) as { k: string; id: string; argv: string[] };
  assert.ok(j.k.length > 10);
  assert.is(j.id, 'plat-dev/terraform');
  assert.not.ok(j.argv.some((a) => a.includes(j.k)));
});

test('status (offline) lists the session and cached credentials with time left', async () => {
  fake.clearLog();
  const r = await cli(sb, ['status', '--json']);
  assert.is(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { sessions: { provider: string; secondsLeft: number }[]; credentials: { identity: string; secondsLeft: number }[] };
  assert.is(j.sessions[0]?.provider, 'acme-sso');
  assert.ok((j.sessions[0]?.secondsLeft ?? 0) > 0);
  assert.ok(j.credentials.some((c) => c.identity === 'plat-dev/terraform' && c.secondsLeft > 0));
  assert.equal(ops(fake), []);
  assert.not.match(r.stdout, /"(accessKeyId|secretAccessKey|sessionToken|accessToken)"/);
});

test('revoked session: the portal refuses, one new browser login, then success', async () => {
  fake.revokeTokens();
  fake.clearLog();
  const r = await cli(sb, ['export'], { env: { ATMOS_AUTH_MIN_TTL: '7200' } });
  assert.is(r.code, 0, r.stderr);
  assert.is(fake.count('Authorize'), 1);
  assert.ok(parseExports(r.stdout).AWS_ACCESS_KEY_ID);
});

test('revoked session without a terminal: nothing on stdout, the command that fixes it', async () => {
  fake.revokeTokens();
  fake.clearLog();
  const r = await cli(sb, ['export'], { env: { ATMOS_AUTH_MIN_TTL: '7200', BROWSER: '' } });
  assert.is.not(r.code, 0);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /atmos-auth login/);
  assert.is(fake.count('Authorize'), 0);
});

test('credential-process never opens a browser: expired session -> one message naming atmos-auth login', async () => {
  fake.clearLog();
  const r = await cli(sb, ['credential-process', '--identity', 'core-auto/terraform', '--root', sb.acme], { cwd: sb.dir });
  assert.is(r.code, 1);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /atmos-auth login --identity core-auto\/terraform/);
  assert.is(fake.count('Authorize'), 0);
});

test('login --identity with BROWSER logs in; logout signs out and removes cached credentials', async () => {
  const l = await cli(sb, ['login', '--identity', 'core-auto/terraform']);
  assert.is(l.code, 0, l.stderr);
  assert.match(l.stdout, /core-auto\/terraform: credentials fetched/);
  fake.clearLog();
  const o = await cli(sb, ['logout', '--provider', 'acme-sso']);
  assert.is(o.code, 0, o.stderr);
  assert.is(fake.count('Logout'), 1);
  assert.match(o.stdout, /removed cached credentials: .*core-auto\/terraform/);
  const s = await cli(sb, ['status', '--json']);
  const j = JSON.parse(s.stdout) as { credentials: unknown[] };
  assert.is(j.credentials.length, 0);
  const e = await cli(sb, ['export'], { env: { BROWSER: '' } });
  assert.is.not(e.code, 0);
  assert.is(e.stdout, '');
});

test.run();
