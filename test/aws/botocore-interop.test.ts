// Interop with clients no one here wrote (issue 3 §5): Python botocore/boto3 and the JS SDK share
// the SSO token cache with atmos-auth both ways, through an `[sso-session acme]` AWS config.
import { atmosSessionFile, home, provider, resetCaches } from './env.ts';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PassThrough } from 'node:stream';
import { startFakeAws, type FakeAws } from '../fake-aws/server.ts';
import { getSsoToken } from '../../src/aws/sso-session.ts';
import { getRoleCredentials } from '../../src/aws/portal.ts';
import { registrationCacheKey, locateToken } from '../../src/aws/token-cache.ts';

let fake: FakeAws;
const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');
const sessionFile = join(home, '.aws', 'sso', 'cache', `${sha1('acme')}.json`);
const script = fileURLToPath(new URL('./py/botocore_client.py', import.meta.url));

const hasBotocore = spawnSync('python3', ['-c', 'import boto3, botocore'], { stdio: 'ignore' }).status === 0;

/** Runs the helper asynchronously: the emulator lives in this process and must keep answering. */
function python(...args: string[]): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    const c = spawn('python3', [script, ...args], { env: { ...process.env, ...fake.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (err += d));
    c.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as Record<string, string>) : reject(new Error(`python ${args.join(' ')} failed:\n${err}`))));
  });
}

function setExpiry(file: string, msFromNow: number): Record<string, string> {
  const j = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
  j.expiresAt = new Date(Date.now() + msFromNow).toISOString().replace(/\.\d+Z$/, 'Z');
  writeFileSync(file, JSON.stringify(j), { mode: 0o600 });
  return j;
}

test.before(async () => {
  fake = await startFakeAws();
  Object.assign(process.env, fake.env);
  writeFileSync(process.env.AWS_CONFIG_FILE!, [
    '[profile acme-core-auto]',
    'sso_session = acme',
    'sso_account_id = 100000000002',
    'sso_role_name = TerraformApplyAccess',
    'region = us-east-1',
    '',
    '[sso-session acme]',
    `sso_start_url = ${provider.startUrl}`,
    `sso_region = ${provider.region}`,
    'sso_registration_scopes = sso:account:access',
    '',
  ].join('\n'));
});
test.after(async () => fake.close());
test.before.each(() => {
  resetCaches();
  fake.clearLog();
});

if (hasBotocore) {
  test('botocore version supports AWS_ENDPOINT_URL_<SERVICE> (>= 1.31)', () => {
    const r = spawnSync('python3', ['-c', 'import botocore;print(botocore.__version__)'], { encoding: 'utf8' });
    const [maj, min] = r.stdout.trim().split('.').map(Number) as [number, number];
    assert.ok(maj > 1 || min >= 31, r.stdout);
  });

  test('(1) a token cached by atmos-auth is used by botocore without a login', async () => {
    const t = await getSsoToken(provider, { login: 'if-needed', stderr: new PassThrough() });
    assert.is(t.cacheFile, sessionFile);
    fake.clearLog();
    const who = await python('caller-identity', 'acme-core-auto');
    assert.is(who.account, '100000000002');
    assert.match(who.arn!, 'AWSReservedSSO_TerraformApplyAccess');
    assert.is(fake.count('Authorize'), 0);
    assert.is(fake.count('CreateToken'), 0);
    assert.is(fake.count('GetRoleCredentials'), 1);
  });

  test('(2) a token refreshed by botocore is then used by atmos-auth without a login (and refreshed by it later)', async () => {
    await getSsoToken(provider, { login: 'if-needed', stderr: new PassThrough() });
    const before = setExpiry(sessionFile, 5 * 60_000);
    fake.clearLog();
    await python('caller-identity', 'acme-core-auto');
    assert.is(fake.count('CreateToken'), 1, 'botocore refreshed');
    const after = JSON.parse(readFileSync(sessionFile, 'utf8')) as Record<string, string>;
    assert.is.not(after.accessToken, before.accessToken);
    assert.is.not(after.refreshToken, before.refreshToken, 'rotated refresh token saved by botocore');
    assert.match(after.expiresAt!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    fake.clearLog();
    const t = await getSsoToken(provider, { login: 'never' });
    assert.is(t.source, 'aws-cli-cache');
    assert.is(t.accessToken, after.accessToken);
    const c = await getRoleCredentials(provider, t, '100000000002', 'TerraformPlanAccess');
    assert.ok(c.accessKeyId);
    assert.is(fake.count('CreateToken'), 0);
    assert.is(fake.count('Authorize'), 0);
    // Near expiry again: atmos-auth refreshes botocore's token with botocore's refresh token.
    // Atmos's file still holds the token of our login, whose refresh token botocore rotated: tried
    // first or not, it costs no login.
    setExpiry(sessionFile, 60_000 * 3);
    setExpiry(atmosSessionFile, 60_000 * 3);
    const r = await getSsoToken(provider, { login: 'never' });
    assert.is(r.source, 'refresh');
    assert.is(fake.count('Authorize'), 0);
    assert.is(JSON.parse(readFileSync(atmosSessionFile, 'utf8')).accessToken, r.accessToken, 'Atmos gets the refreshed token');
  });

  test("(3) a token file written in botocore's own format (JSONFileCache, _sso_json_dumps) is used by atmos-auth", async () => {
    await python('device-login', 'acme', provider.startUrl, provider.region);
    const raw = JSON.parse(readFileSync(sessionFile, 'utf8')) as Record<string, string>;
    assert.match(raw.expiresAt!, /Z$/);
    fake.clearLog();
    const t = await getSsoToken(provider, { login: 'never' });
    assert.is(t.source, 'aws-cli-cache');
    assert.ok(t.refreshable, 'registration fields read');
    const c = await getRoleCredentials(provider, t, '100000000002', 'TerraformApplyAccess');
    assert.ok(c.sessionToken);
    assert.is(fake.count('Authorize'), 0);
    assert.is(fake.count('CreateToken'), 0);
  });

  test("registration cache key matches the AWS CLI v2's (Python json.dumps sort_keys)", () => {
    const loc = locateToken(provider);
    const py = spawnSync('python3', ['-c', [
      'import hashlib, json, sys',
      `args = {'tool': 'botocore', 'startUrl': sys.argv[1], 'region': sys.argv[2], 'scopes': ['sso:account:access'], 'session_name': 'acme'}`,
      "print(hashlib.sha1(json.dumps(args, sort_keys=True).encode('utf-8')).hexdigest())",
    ].join('\n'), provider.startUrl, provider.region], { encoding: 'utf8' });
    assert.is(registrationCacheKey(loc), py.stdout.trim());
    const legacy = spawnSync('python3', ['-c', "import hashlib, json;print(hashlib.sha1(json.dumps({'tool':'botocore','startUrl':'https://x.awsapps.com/start','region':'eu-west-1','scopes':None,'session_name':None}, sort_keys=True).encode('utf-8')).hexdigest())"], { encoding: 'utf8' });
    assert.is(registrationCacheKey({ startUrl: 'https://x.awsapps.com/start', region: 'eu-west-1', primaryFile: '', atmosFiles: [] }), legacy.stdout.trim());
  });
} else {
  test('python3 with boto3/botocore is installed (Debian: python3-boto3)', () => {
    assert.unreachable('the botocore interop tests need python3 with boto3 and botocore: apt-get install python3-boto3');
  });
}

test("the JS SDK's fromSSO reads a token cached by atmos-auth", async () => {
  await getSsoToken(provider, { login: 'if-needed', stderr: new PassThrough() });
  fake.clearLog();
  const { fromSSO } = await import('@aws-sdk/credential-provider-sso');
  const creds = await fromSSO({ profile: 'acme-core-auto' })();
  assert.match(creds.accessKeyId, /^ASIA/);
  assert.is(fake.count('GetRoleCredentials'), 1);
  assert.is(fake.count('Authorize'), 0);
});

test.run();
