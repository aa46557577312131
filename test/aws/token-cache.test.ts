// The cache formats on their own: AWS config parsing, timestamps written by each tool, files the
// JS SDK leaves 0644, tokens of other start URLs, the legacy key, the offline hot path, debug output.
import { dropAtmosCopy, home, provider, resetCaches, root } from './env.ts';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { findSsoSession, parseIni } from '../../src/aws/aws-config.ts';
import { formatTimestamp, parseTimestamp, pythonJsonDumps, serializeToken } from '../../src/aws/token-cache.ts';
import { getSsoToken, peekSsoToken } from '../../src/aws/sso-session.ts';
import { EndpointUnreachableError, LoginRequiredError } from '../../src/aws/errors.ts';
import { startFakeAws, type FakeAws } from '../fake-aws/server.ts';

const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');
const cacheDir = join(home, '.aws', 'sso', 'cache');
const legacyFile = join(cacheDir, `${sha1(provider.startUrl)}.json`);
let fake: FakeAws;

function put(file: string, body: Record<string, unknown>, mode = 0o600): void {
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(file, JSON.stringify(body), { mode });
}
const inHours = (h: number) => new Date(Date.now() + h * 3600_000);

test.before(async () => {
  fake = await startFakeAws();
  Object.assign(process.env, fake.env);
});
test.after(async () => fake.close());
test.before.each(() => {
  resetCaches();
  writeFileSync(process.env.AWS_CONFIG_FILE!, '');
  fake.clearLog();
  fake.clearFaults();
  delete process.env.ATMOS_AUTH_HTTP_TIMEOUT_MS;
});

test('parseIni / findSsoSession: sections, comments, nested values, trailing slash, region must match', () => {
  const ini = parseIni('# c\n[default]\nregion = us-east-1\n[profile a]\ns3 =\n  max_concurrent_requests = 2\nsso_session=acme\n\n[sso-session   acme]\nsso_start_url = https://acme.awsapps.com/start/\nSSO_Region: us-east-1\n; x\n');
  assert.equal(ini.get('sso-session acme'), { sso_start_url: 'https://acme.awsapps.com/start/', sso_region: 'us-east-1' });
  assert.is(ini.get('profile a')?.sso_session, 'acme');
  const file = join(home, 'cfg-test');
  writeFileSync(file, '[sso-session other]\nsso_start_url = https://acme.awsapps.com/start\nsso_region = eu-west-1\n[sso-session acme]\nsso_start_url = https://acme.awsapps.com/start/\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access, ,x\n');
  const s = findSsoSession(provider, file);
  assert.is(s?.name, 'acme');
  assert.equal(s?.registrationScopes, ['sso:account:access', 'x']);
  assert.is(findSsoSession({ ...provider, startUrl: 'https://other.awsapps.com/start' }, file), undefined);
});

test('timestamps: botocore, old botocore (UTC), JS SDK (millis), Go (nanos, offset)', () => {
  const want = Date.UTC(2030, 0, 2, 3, 4, 5);
  for (const s of ['2030-01-02T03:04:05Z', '2030-01-02T03:04:05UTC', '2030-01-02T03:04:05.000Z', '2030-01-02T03:04:05.000000000Z', '2030-01-02T04:04:05+01:00']) {
    assert.is(parseTimestamp(s)?.getTime(), want, s);
  }
  assert.is(formatTimestamp(new Date(want + 999)), '2030-01-02T03:04:05Z');
  assert.is(parseTimestamp('garbage'), undefined);
});

test('serializeToken: botocore keys and order; pythonJsonDumps matches Python', () => {
  const s = serializeToken({ startUrl: 'u', region: 'r', accessToken: 'a', expiresAt: new Date(0), clientId: 'c', clientSecret: 's', registrationExpiresAt: new Date(0), refreshToken: 't' });
  assert.is(s, '{"startUrl":"u","region":"r","accessToken":"a","expiresAt":"1970-01-01T00:00:00Z","clientId":"c","clientSecret":"s","registrationExpiresAt":"1970-01-01T00:00:00Z","refreshToken":"t"}');
  assert.is(pythonJsonDumps({ b: [1, 'é'], a: null, startUrl: 'x' }), '{"a": null, "b": [1, "\\u00e9"], "startUrl": "x"}');
});

test('a 0644 file left by the JS SDK (toISOString expiry) is read; a symlink is not', async () => {
  put(legacyFile, { startUrl: provider.startUrl, region: provider.region, accessToken: 'js-sdk-token', expiresAt: inHours(2).toISOString() }, 0o644);
  const t = await getSsoToken(provider, { login: 'never' });
  assert.is(t.accessToken, 'js-sdk-token');
  resetCaches();
  const target = join(home, 'elsewhere.json');
  writeFileSync(target, JSON.stringify({ accessToken: 'planted', expiresAt: inHours(2).toISOString() }), { mode: 0o600 });
  mkdirSync(cacheDir, { recursive: true });
  symlinkSync(target, legacyFile);
  try {
    await getSsoToken(provider, { login: 'never' });
    assert.unreachable();
  } catch (e) {
    assert.instance(e, LoginRequiredError);
  }
});

test('a token for another start URL in the same file is ignored; the legacy key is a fallback', async () => {
  writeFileSync(process.env.AWS_CONFIG_FILE!, `[sso-session acme]\nsso_start_url = ${provider.startUrl}\nsso_region = ${provider.region}\n`);
  put(join(cacheDir, `${sha1('acme')}.json`), { startUrl: 'https://other.awsapps.com/start', region: provider.region, accessToken: 'other', expiresAt: inHours(3).toISOString() });
  put(legacyFile, { startUrl: provider.startUrl, region: provider.region, accessToken: 'legacy', expiresAt: inHours(2).toISOString() });
  const t = await getSsoToken(provider, { login: 'never' });
  assert.is(t.accessToken, 'legacy');
  assert.is(peekSsoToken(provider)?.cacheFile, legacyFile);
});

test('a token with little time left and no refresh token is used until a minute before expiry', async () => {
  put(legacyFile, { startUrl: provider.startUrl, region: provider.region, accessToken: 'short', expiresAt: new Date(Date.now() + 5 * 60_000).toISOString() });
  assert.is((await getSsoToken(provider, { login: 'never' })).accessToken, 'short');
  put(legacyFile, { startUrl: provider.startUrl, region: provider.region, accessToken: 'short', expiresAt: new Date(Date.now() + 30_000).toISOString() });
  try {
    await getSsoToken(provider, { login: 'never' });
    assert.unreachable();
  } catch (e) {
    assert.instance(e, LoginRequiredError);
  }
});

test('OIDC unreachable during refresh: the remaining token is used; when expired, EndpointUnreachableError (no login)', async () => {
  await getSsoToken(provider, { login: 'if-needed', stderr: new PassThrough() });
  dropAtmosCopy(); // about the AWS CLI file alone
  const j = JSON.parse(readFileSync(legacyFile, 'utf8')) as Record<string, string>;
  process.env.ATMOS_AUTH_HTTP_TIMEOUT_MS = '200';
  fake.fault({ op: 'CreateToken', delayMs: 1000, times: 20 });
  put(legacyFile, { ...j, expiresAt: new Date(Date.now() + 5 * 60_000).toISOString() });
  fake.clearLog();
  const t = await getSsoToken(provider, { login: 'if-needed', stderr: new PassThrough() });
  assert.is(t.accessToken, j.accessToken);
  assert.is(fake.count('Authorize'), 0);
  put(legacyFile, { ...j, expiresAt: '2020-01-01T00:00:00Z' });
  try {
    await getSsoToken(provider, { login: 'if-needed', stderr: new PassThrough() });
    assert.unreachable();
  } catch (e) {
    assert.instance(e, EndpointUnreachableError);
    assert.match((e as Error).message, 'IAM Identity Center OIDC');
    assert.match((e as EndpointUnreachableError).render(), 'AWS_ENDPOINT_URL_SSO_OIDC');
  }
  assert.is(fake.count('Authorize'), 0);
});

function runChild(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (err += d));
    c.on('close', (code) => resolve({ code, out, err }));
  });
}

test('hot path: a warm cache loads no AWS SDK module; debug lines say cache hit and hold no secret', async () => {
  await getSsoToken(provider, { login: 'if-needed', stderr: new PassThrough() });
  const j = JSON.parse(readFileSync(legacyFile, 'utf8')) as Record<string, string>;
  const r = await runChild([join(root, 'test/aws/bin/warm.ts'), JSON.stringify(provider)], { ATMOS_LOGS_LEVEL: 'debug' });
  assert.is(r.code, 0, r.err);
  const res = JSON.parse(r.out) as { source: string; sdkModules: string[] };
  assert.is(res.source, 'aws-cli-cache');
  assert.equal(res.sdkModules, []);
  assert.match(r.err, 'atmos-auth debug: sso token cache hit for acme-sso');
  for (const secret of [j.accessToken!, j.refreshToken!, j.clientSecret!]) assert.not.ok(r.err.includes(secret));
});

test.run();
