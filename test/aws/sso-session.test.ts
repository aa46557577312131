// SSO sessions against the emulator with the real SDK: PKCE and device logins, the warm cache,
// refresh, revoked refresh, login policy, Atmos's cache, status peek and logout.
import { dropAtmosCopy, home, provider, resetCaches, root } from './env.ts';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { startFakeAws, type FakeAws } from '../fake-aws/server.ts';
import { getSsoToken, peekSsoToken, ssoLogout } from '../../src/aws/sso-session.ts';
import { LoginCancelledError, LoginFailedError, LoginRequiredError } from '../../src/aws/errors.ts';


let fake: FakeAws;
const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');
const cacheDir = join(home, '.aws', 'sso', 'cache');
const legacyFile = join(cacheDir, `${sha1(provider.startUrl)}.json`);

function sink() {
  const s = new PassThrough();
  let text = '';
  s.on('data', (d) => (text += d));
  return { stream: s, text: () => text };
}

function readJson(f: string): Record<string, string> {
  return JSON.parse(readFileSync(f, 'utf8')) as Record<string, string>;
}

test.before(async () => {
  fake = await startFakeAws();
  Object.assign(process.env, fake.env);
});
test.after(async () => fake.close());
test.before.each(() => {
  resetCaches();
  writeFileSync(process.env.AWS_CONFIG_FILE!, '');
  process.env.BROWSER = join(root, 'test/fake-aws/browser.sh');
  fake.clearLog();
  fake.clearFaults();
});

test('cold start: PKCE login through $BROWSER, token written in botocore format (0600), URL on stderr, no secret', async () => {
  const err = sink();
  const t = await getSsoToken(provider, { login: 'if-needed', stderr: err.stream });
  assert.is(t.source, 'login');
  assert.ok(t.refreshable);
  assert.is(fake.count('Authorize'), 1);
  assert.is(fake.count('CreateToken'), 1);
  assert.is(fake.count('RegisterClient'), 1);
  const f = readJson(legacyFile);
  assert.equal(Object.keys(f), ['startUrl', 'region', 'accessToken', 'expiresAt', 'clientId', 'clientSecret', 'registrationExpiresAt', 'refreshToken']);
  assert.match(f.expiresAt!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.match(f.registrationExpiresAt!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.is(f.startUrl, provider.startUrl);
  assert.is(f.region, provider.region);
  assert.is(f.accessToken, t.accessToken);
  assert.is(statSync(legacyFile).mode & 0o777, 0o600);
  assert.is(t.cacheFile, legacyFile);
  const out = err.text();
  assert.match(out, `${fake.url}/authorize?`);
  assert.match(out, 'code_challenge_method=S256');
  for (const secret of [f.accessToken!, f.refreshToken!, f.clientSecret!]) assert.not.ok(out.includes(secret), 'no secret on stderr');
});

test('warm cache: zero requests', async () => {
  await getSsoToken(provider, { login: 'if-needed', stderr: sink().stream });
  fake.clearLog();
  const t = await getSsoToken(provider, { login: 'never' });
  assert.is(t.source, 'aws-cli-cache');
  assert.is(fake.requests().length, 0);
});

test('sso-session in the AWS config: token keyed by the session name', async () => {
  writeFileSync(process.env.AWS_CONFIG_FILE!, `[profile x]\nsso_session = acme\n\n[sso-session acme]\nsso_start_url = ${provider.startUrl}/\nsso_region = ${provider.region}\nsso_registration_scopes = sso:account:access\n`);
  const t = await getSsoToken(provider, { login: 'if-needed', stderr: sink().stream });
  const f = join(cacheDir, `${sha1('acme')}.json`);
  assert.is(t.cacheFile, f);
  assert.is(readJson(f).startUrl, `${provider.startUrl}/`, 'start URL as the config spells it');
  assert.not.ok(existsSync(legacyFile));
});

test('refresh when under 15 minutes remain: no browser, rotated refresh token stored', async () => {
  const first = await getSsoToken(provider, { login: 'if-needed', stderr: sink().stream });
  dropAtmosCopy(); // about the AWS CLI file alone
  const f = readJson(legacyFile);
  f.expiresAt = new Date(Date.now() + 5 * 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
  writeFileSync(legacyFile, JSON.stringify(f), { mode: 0o600 });
  fake.clearLog();
  const t = await getSsoToken(provider, { login: 'never' });
  assert.is(t.source, 'refresh');
  assert.is(fake.count('Authorize'), 0);
  assert.is(fake.count('CreateToken'), 1);
  assert.is(fake.requests()[0]!.grantType, 'refresh_token');
  const g = readJson(legacyFile);
  assert.is.not(g.refreshToken, f.refreshToken);
  assert.is.not(g.accessToken, first.accessToken);
  assert.is(g.accessToken, t.accessToken);
  assert.is(g.clientId, f.clientId);
  assert.ok(new Date(g.expiresAt!).getTime() > Date.now() + 3600_000);
});

test('expired refresh token: refresh refused, browser login again', async () => {
  await getSsoToken(provider, { login: 'if-needed', stderr: sink().stream });
  dropAtmosCopy();
  const f = readJson(legacyFile);
  f.expiresAt = '2020-01-01T00:00:00Z';
  writeFileSync(legacyFile, JSON.stringify(f), { mode: 0o600 });
  fake.expireRefreshTokens();
  fake.clearLog();
  const t = await getSsoToken(provider, { login: 'if-needed', stderr: sink().stream });
  assert.is(t.source, 'login');
  assert.is(fake.count('Authorize'), 1);
  assert.is(fake.count('RegisterClient'), 0, 'the cached registration is reused');
  assert.equal(fake.requests().filter((r) => r.op === 'CreateToken').map((r) => [r.grantType, r.status]), [['refresh_token', 400], ['authorization_code', 200]]);
});

test('device code login: URL and user code on stderr, polls until approved', async () => {
  const err = sink();
  const t = await getSsoToken(provider, { login: 'if-needed', deviceCode: true, stderr: err.stream });
  assert.is(t.source, 'login');
  assert.is(fake.count('StartDeviceAuthorization'), 1);
  assert.is(fake.count('Authorize'), 0);
  assert.ok(fake.count('DeviceApprove') >= 1);
  const reg = fake.requests().find((r) => r.op === 'RegisterClient');
  assert.is(reg?.grantType, undefined, 'device registration has no grantTypes (as the AWS CLI)');
  assert.match(err.text(), /confirm the code [A-Z]{4}-[A-Z]{4}/);
  assert.match(err.text(), `${fake.url}/device?user_code=`);
  assert.ok(readJson(legacyFile).refreshToken, 'device login with scopes yields a refresh token');
});

test('one registration per grant type: PKCE after device does not reuse the device client', async () => {
  await getSsoToken(provider, { login: 'always', deviceCode: true, stderr: sink().stream });
  await getSsoToken(provider, { login: 'always', stderr: sink().stream });
  await getSsoToken(provider, { login: 'always', deviceCode: true, stderr: sink().stream });
  await getSsoToken(provider, { login: 'always', stderr: sink().stream });
  assert.is(fake.count('RegisterClient'), 2);
});

test("login 'never' -> LoginRequiredError naming the command", async () => {
  try {
    await getSsoToken(provider, { login: 'never' });
    assert.unreachable();
  } catch (e) {
    assert.instance(e, LoginRequiredError);
    assert.is((e as LoginRequiredError).command, 'atmos-auth login --provider acme-sso');
    assert.match((e as LoginRequiredError).render(), 'run: atmos-auth login --provider acme-sso');
  }
  assert.is(fake.requests().length, 0);
});

test('no terminal and no $BROWSER -> LoginRequiredError, nothing opened', async () => {
  delete process.env.BROWSER;
  try {
    await getSsoToken(provider, { login: 'if-needed', stderr: sink().stream, loginCommand: 'atmos-auth login --identity core-auto/terraform' });
    assert.unreachable();
  } catch (e) {
    assert.instance(e, LoginRequiredError);
    assert.match((e as Error).message, 'no terminal');
    assert.is((e as LoginRequiredError).command, 'atmos-auth login --identity core-auto/terraform');
  }
  assert.is(fake.requests().length, 0);
});

test('AbortSignal cancels a pending login and closes the listener', async () => {
  process.env.BROWSER = 'true'; // a browser that never completes the flow
  const ac = new AbortController();
  const err = sink();
  setTimeout(() => ac.abort(), 300);
  try {
    await getSsoToken(provider, { login: 'if-needed', stderr: err.stream, signal: ac.signal });
    assert.unreachable();
  } catch (e) {
    assert.instance(e, LoginCancelledError);
  }
  const port = /127\.0\.0\.1%3A(\d+)/.exec(err.text())?.[1];
  assert.ok(port, 'redirect_uri with the port is in the URL');
  const refused = await fetch(`http://127.0.0.1:${port}/oauth/callback`).then(() => false, () => true);
  assert.ok(refused, 'listener closed');
});

test("Atmos's own session cache is reused, and a cache hit rewrites nothing", async () => {
  const dir = join(home, '.cache', 'atmos', 'aws-sso', 'sessions');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${sha1(`${provider.startUrl}|${provider.region}`)}.json`);
  const expires = new Date(Date.now() + 4 * 3600_000);
  // Go's encoding/json of time.Time: RFC 3339 with nanoseconds.
  const body = JSON.stringify({ accessToken: 'atmos-access-token', expiresAt: expires.toISOString().replace('Z', '123456Z'), region: provider.region, startUrl: provider.startUrl, refreshToken: 'r', clientId: 'c', clientSecret: 's', registrationExpiresAt: '0001-01-01T00:00:00Z' }, null, 2);
  writeFileSync(file, body, { mode: 0o600 });
  const t = await getSsoToken(provider, { login: 'never' });
  assert.is(t.source, 'atmos-cache');
  assert.is(t.accessToken, 'atmos-access-token');
  // No registration expiry (Go's zero time): Atmos would still try a refresh (sso_refresh.go:52), so do we.
  assert.ok(t.refreshable);
  assert.is(fake.requests().length, 0);
  assert.is(readFileSync(file, 'utf8'), body, 'not written on a hit');
  const peek = peekSsoToken(provider);
  assert.is(peek?.cacheFile, file);
});

test('peekSsoToken is offline; ssoLogout calls portal Logout and removes the token', async () => {
  assert.is(peekSsoToken(provider), null);
  const t = await getSsoToken(provider, { login: 'if-needed', stderr: sink().stream });
  fake.clearLog();
  const peek = peekSsoToken(provider);
  assert.is(peek?.cacheFile, legacyFile);
  assert.ok(peek?.refreshable);
  assert.is(peek?.expiresAt.getTime(), t.expiresAt.getTime());
  assert.is(fake.requests().length, 0);
  await ssoLogout(provider);
  assert.is(fake.count('Logout'), 1);
  assert.not.ok(existsSync(legacyFile));
  assert.is(peekSsoToken(provider), null);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('device flow: SlowDownException adds 5 s to the polling interval', async () => {
  process.env.BROWSER = 'true'; // nobody approves until the test does
  fake.fault({ op: 'CreateToken', errorType: 'SlowDownException', status: 400, times: 1 });
  const err = sink();
  const pending = getSsoToken(provider, { login: 'if-needed', deviceCode: true, stderr: err.stream });
  while (fake.count('CreateToken') < 1) await sleep(50);
  const code = /user_code=([A-Z]{4}-[A-Z]{4})/.exec(err.text())?.[1];
  assert.ok(code);
  await fetch(`${fake.url}/device?user_code=${code}`);
  const t = await pending;
  assert.is(t.source, 'login');
  const polls = fake.requests().filter((r) => r.op === 'CreateToken').map((r) => r.time);
  assert.is(polls.length, 2);
  assert.ok(polls[1]! - polls[0]! >= 5900, 'interval (1 s) + 5 s after SlowDown');
});

test('device flow: ExpiredTokenException -> LoginFailedError saying the code expired', async () => {
  process.env.BROWSER = 'true';
  fake.fault({ op: 'CreateToken', errorType: 'ExpiredTokenException', status: 400, times: 1 });
  try {
    await getSsoToken(provider, { login: 'if-needed', deviceCode: true, stderr: sink().stream });
    assert.unreachable();
  } catch (e) {
    assert.instance(e, LoginFailedError);
    assert.match((e as Error).message, 'device code expired');
    assert.match((e as LoginFailedError).render(), '--device-code');
  }
});

test.run();
