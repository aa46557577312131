// One sign-in serving atmos-auth, Atmos and the AWS CLI (issue 13 §1), with the built CLI against
// the emulator: `atmos-auth login` once, then (a) Atmos's reader (written from its Go struct,
// test/aws/atmos-go.ts) accepts Atmos's session file for the provider as atmos.yaml spells it,
// (b) real botocore reads ~/.aws/sso/cache and gets role credentials from the emulator, (c)
// atmos-auth itself exports credentials with no second login.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeAws } from '../fake-aws/server.ts';
import { cli, parseExports, sandbox } from '../e2e/helpers.ts';
import { goLoadFullCachedToken, goTokenCachePath } from './atmos-go.ts';

const hasBotocore = spawnSync('python3', ['-c', 'import boto3, botocore'], { stdio: 'ignore' }).status === 0;
const script = fileURLToPath(new URL('./py/botocore_client.py', import.meta.url));
const fake = await startFakeAws();
const sb = sandbox(fake);
test.after(async () => {
  await fake.close();
  sb.cleanup();
});

// The provider of examples/acme/atmos.yaml, as written there (trailing slash included).
const acmeSso = { startUrl: 'https://acme.awsapps.com/start/', region: 'us-east-1' };

function python(...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const c = spawn('python3', [script, ...args], { env: sb.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (err += d));
    c.on('close', (code) => resolve({ code, out, err }));
  });
}

test('python3 with boto3/botocore is installed (Debian: python3-boto3)', () => {
  assert.ok(hasBotocore, 'this test needs python3 with boto3 and botocore: apt-get install python3-boto3');
});

test('the provider of examples/acme is the one this test signs in to', () => {
  const y = readFileSync(join(sb.acme, 'atmos.yaml'), 'utf8');
  assert.match(y, `start_url: ${acmeSso.startUrl}\n`);
  assert.match(y, /acme-sso:\n\s+kind: aws\/iam-identity-center\n\s+start_url: .*\n\s+region: us-east-1\n/);
});

test('one atmos-auth login serves Atmos, botocore and atmos-auth', async () => {
  const login = await cli(sb, ['login', '--provider', 'acme-sso']);
  assert.is(login.code, 0, login.stderr);
  assert.match(login.stdout, 'acme-sso: signed in');
  assert.is(fake.count('Authorize'), 1);

  // (a) Atmos: its file, its key, its reader's rules (exact start URL and region, > 5 minutes).
  const atmosFile = goTokenCachePath(sb.env, sb.home, acmeSso.startUrl, acmeSso.region);
  const atmos = goLoadFullCachedToken(readFileSync(atmosFile, 'utf8'), acmeSso);
  assert.ok(atmos, `Atmos accepts ${atmosFile}`);
  assert.ok(atmos!.refreshToken && atmos!.clientId, 'and could refresh it');

  // status names both caches of the session.
  const st = await cli(sb, ['status', '--json']);
  assert.is(st.code, 0, st.stderr);
  const sess = (JSON.parse(st.stdout) as { sessions: Array<{ provider: string; caches: Array<{ tool: string; file: string }> }> }).sessions.find((x) => x.provider === 'acme-sso');
  assert.equal(sess?.caches.map((c) => c.tool).sort(), ['atmos', 'aws-cli']);
  assert.ok(sess?.caches.some((c) => c.file === atmosFile));

  // (b) botocore: a legacy SSO profile of the same start URL reads ~/.aws/sso/cache/<sha1(url)>.json.
  mkdirSync(dirname(sb.env.AWS_CONFIG_FILE!), { recursive: true });
  writeFileSync(sb.env.AWS_CONFIG_FILE!, [
    '[profile plat-dev]',
    `sso_start_url = ${acmeSso.startUrl}`,
    `sso_region = ${acmeSso.region}`,
    'sso_account_id = 200000000001',
    'sso_role_name = TerraformApplyAccess',
    'region = us-east-2',
    '',
  ].join('\n'));
  fake.clearLog();
  const py = await python('caller-identity', 'plat-dev');
  assert.is(py.code, 0, py.err);
  const who = JSON.parse(py.out) as { account: string; arn: string };
  assert.is(who.account, '200000000001');
  assert.match(who.arn, 'AWSReservedSSO_TerraformApplyAccess');
  assert.equal(fake.requests().map((r) => r.op), ['GetRoleCredentials', 'GetCallerIdentity'], 'botocore: no login, no refresh');

  // (c) atmos-auth: credentials for the stack's identity, no second sign-in.
  fake.clearLog();
  const ex = await cli(sb, ['export', '--format', 'bash', '--no-login'], { env: { BROWSER: '' } });
  assert.is(ex.code, 0, ex.stderr);
  assert.ok(parseExports(ex.stdout).AWS_SESSION_TOKEN);
  assert.is(fake.count('Authorize'), 0);
  assert.is(fake.count('CreateToken'), 0);
  assert.is(fake.count('GetRoleCredentials'), 1);
});

test.run();
