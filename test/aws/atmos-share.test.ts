// One SSO sign-in shared with Atmos (issue 13 §1): every login and refresh writes Atmos's session
// file as Atmos's Go code reads it (test/aws/atmos-go.ts, written from sso_cache.go), the longest
// valid token of all caches wins, a refresh token another tool rotated costs no browser sign-in,
// logout clears every cache, and a half-written Atmos file is absent, never a crash.
import { atmosSessionFile, home, provider, resetCaches } from './env.ts';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { startFakeAws, type FakeAws } from '../fake-aws/server.ts';
import { rejection } from '../helpers/rejection.ts';
import { getSsoToken, peekSsoToken, shareSsoToken, ssoLogout } from '../../src/aws/sso-session.ts';
import { getRoleCredentials } from '../../src/aws/portal.ts';
import { LoginRequiredError, TokenRevokedError } from '../../src/aws/errors.ts';
import { readCandidates, locateToken } from '../../src/aws/token-cache.ts';
import { goLoadForRefresh, goLoadFullCachedToken, goMarshalIndent, goTokenCachePath, goUnmarshal, goWriteFile } from './atmos-go.ts';

let fake: FakeAws;
const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');
const cliFile = join(home, '.aws', 'sso', 'cache', `${sha1(provider.startUrl)}.json`);
const quiet = () => new PassThrough();
const readJson = (f: string) => JSON.parse(readFileSync(f, 'utf8')) as Record<string, string>;
const iso = (msFromNow: number) => new Date(Date.now() + msFromNow).toISOString().replace(/\.\d+Z$/, 'Z');

/** Rewrites the expiry of a token file in place, keeping its format (Go's for Atmos's file). */
function setExpiry(file: string, msFromNow: number): void {
  const j = readJson(file);
  j.expiresAt = iso(msFromNow);
  writeFileSync(file, JSON.stringify(j, null, file === atmosSessionFile ? 2 : undefined), { mode: 0o600 });
}

test.before(async () => {
  fake = await startFakeAws();
  Object.assign(process.env, fake.env);
});
test.after(async () => fake.close());
test.before.each(() => {
  resetCaches();
  writeFileSync(process.env.AWS_CONFIG_FILE!, '');
  delete process.env.ATMOS_XDG_CACHE_HOME;
  fake.clearLog();
  fake.clearFaults();
});

test("a login writes Atmos's session file: the path, fields, order and time format Atmos's Go struct reads", async () => {
  const t = await getSsoToken(provider, { login: 'if-needed', stderr: quiet() });
  const path = goTokenCachePath(process.env, home, provider.startUrl, provider.region);
  assert.is(path, atmosSessionFile);
  const text = readFileSync(path, 'utf8');
  const got = goLoadFullCachedToken(text, provider);
  assert.ok(got, 'Atmos would use it (more than 5 minutes left, exact start URL and region)');
  assert.is(got!.accessToken, t.accessToken);
  const cli = readJson(cliFile);
  assert.is(got!.refreshToken, cli.refreshToken, 'the same refresh token in both caches');
  assert.is(got!.clientId, cli.clientId);
  assert.is(got!.clientSecret, cli.clientSecret);
  assert.ok(got!.registrationExpiresAt && got!.registrationExpiresAt.getTime() > Date.now(), 'registration expiry kept');
  assert.is(Math.abs(got!.expiresAt.getTime() - t.expiresAt.getTime()) < 1000, true);
  // json.MarshalIndent(ssoTokenCache, "", "  "): struct order, two-space indent.
  assert.equal(Object.keys(JSON.parse(text) as object), ['accessToken', 'expiresAt', 'region', 'startUrl', 'refreshToken', 'clientId', 'clientSecret', 'registrationExpiresAt']);
  assert.match(text, /^\{\n {2}"accessToken": "/);
  assert.match(text, /\n\}$/);
  assert.is(statSync(path).mode & 0o777, 0o600);
  assert.is(statSync(dirname(path)).mode & 0o777, 0o700);
  assert.is(statSync(dirname(dirname(path))).mode & 0o777, 0o700);
});

test('exact-match rule: the file is keyed by the start URL as configured, trailing slash and all', async () => {
  const slash = { ...provider, startUrl: `${provider.startUrl}/` };
  await getSsoToken(slash, { login: 'if-needed', stderr: quiet() });
  const path = goTokenCachePath(process.env, home, slash.startUrl, slash.region);
  assert.ok(existsSync(path));
  assert.not.ok(existsSync(goTokenCachePath(process.env, home, provider.startUrl, provider.region)), 'no file under the other spelling');
  const text = readFileSync(path, 'utf8');
  assert.ok(goLoadFullCachedToken(text, slash));
  // Atmos compares exactly (sso_cache.go:129): the same file under another spelling is refused.
  assert.is(goLoadFullCachedToken(text, provider), null);
  assert.is(goLoadFullCachedToken(text, { ...slash, region: 'us-west-2' }), null);
});

test('ATMOS_XDG_CACHE_HOME wins over XDG_CACHE_HOME, as pkg/xdg does', async () => {
  process.env.ATMOS_XDG_CACHE_HOME = join(home, 'atmos-xdg');
  try {
    await getSsoToken(provider, { login: 'if-needed', stderr: quiet() });
    const path = goTokenCachePath(process.env, home, provider.startUrl, provider.region);
    assert.ok(path.startsWith(join(home, 'atmos-xdg', 'atmos', 'aws-sso', 'sessions')));
    assert.ok(goLoadFullCachedToken(readFileSync(path, 'utf8'), provider));
    assert.not.ok(existsSync(atmosSessionFile));
  } finally {
    delete process.env.ATMOS_XDG_CACHE_HOME;
  }
});

test("a refresh writes the rotated token to both caches; Atmos's reader takes it", async () => {
  await getSsoToken(provider, { login: 'if-needed', stderr: quiet() });
  const before = readJson(cliFile);
  setExpiry(cliFile, 5 * 60_000);
  setExpiry(atmosSessionFile, 5 * 60_000);
  fake.clearLog();
  const t = await getSsoToken(provider, { login: 'never' });
  assert.is(t.source, 'refresh');
  assert.is(fake.count('CreateToken'), 1);
  const cli = readJson(cliFile);
  const atmos = goLoadFullCachedToken(readFileSync(atmosSessionFile, 'utf8'), provider);
  assert.ok(atmos);
  assert.is(cli.accessToken, t.accessToken);
  assert.is(atmos!.accessToken, t.accessToken);
  assert.is(atmos!.refreshToken, cli.refreshToken);
  assert.is.not(cli.refreshToken, before.refreshToken, 'rotated');
});

test("the token that stays valid longest wins, whichever tool's cache holds it (no request)", async () => {
  const cli = { startUrl: provider.startUrl, region: provider.region, accessToken: 'from-aws-cli', expiresAt: iso(3600_000) };
  mkdirSync(dirname(cliFile), { recursive: true });
  mkdirSync(dirname(atmosSessionFile), { recursive: true });
  writeFileSync(cliFile, JSON.stringify(cli), { mode: 0o600 });
  goWriteFile(atmosSessionFile, goMarshalIndent({ accessToken: 'from-atmos', expiresAt: new Date(Date.now() + 3 * 3600_000), region: provider.region, startUrl: provider.startUrl, registrationExpiresAt: null }));
  let t = await getSsoToken(provider, { login: 'never' });
  assert.is(t.accessToken, 'from-atmos');
  assert.is(t.source, 'atmos-cache');
  writeFileSync(cliFile, JSON.stringify({ ...cli, expiresAt: iso(5 * 3600_000) }), { mode: 0o600 });
  t = await getSsoToken(provider, { login: 'never' });
  assert.is(t.accessToken, 'from-aws-cli');
  assert.is(t.source, 'aws-cli-cache');
  assert.is(fake.requests().length, 0);
});

for (const zeroRegistration of [false, true]) test(`a session Atmos signed in (its own file alone, nanosecond times${zeroRegistration ? ', registration expiry Go\'s zero time' : ''}) is used, refreshed from Atmos's refresh token, then shared`, async () => {
  await getSsoToken(provider, { login: 'if-needed', stderr: quiet() });
  const mine = goUnmarshal(readFileSync(atmosSessionFile, 'utf8'));
  rmSync(join(home, '.aws', 'sso'), { recursive: true, force: true });
  // As Atmos saves it: json.MarshalIndent + os.WriteFile, expiring in 4 minutes.
  goWriteFile(atmosSessionFile, goMarshalIndent({ ...mine, expiresAt: new Date(Date.now() + 4 * 60_000), ...(zeroRegistration ? { registrationExpiresAt: null } : {}) }));
  fake.clearLog();
  const t = await getSsoToken(provider, { login: 'never' });
  assert.is(t.source, 'refresh');
  assert.is(fake.count('Authorize'), 0);
  assert.equal(fake.requests().map((r) => [r.op, r.grantType, r.status]), [['CreateToken', 'refresh_token', 200]]);
  assert.is(readJson(cliFile).accessToken, t.accessToken, 'now in the AWS CLI cache too');
  assert.is(goLoadFullCachedToken(readFileSync(atmosSessionFile, 'utf8'), provider)!.accessToken, t.accessToken);
});

/** Atmos refreshing the session "meanwhile": its refresh token, its file, its way of writing. */
async function atmosRefreshes(expiresInMs?: number): Promise<string> {
  const { SSOOIDCClient, CreateTokenCommand } = await import('@aws-sdk/client-sso-oidc');
  const c = goLoadForRefresh(readFileSync(atmosSessionFile, 'utf8'), provider)!;
  const client = new SSOOIDCClient({ region: provider.region });
  const out = await client.send(new CreateTokenCommand({ grantType: 'refresh_token', clientId: c.clientId, clientSecret: c.clientSecret, refreshToken: c.refreshToken }));
  client.destroy();
  goWriteFile(atmosSessionFile, goMarshalIndent({
    ...c,
    accessToken: out.accessToken!,
    refreshToken: out.refreshToken ?? c.refreshToken,
    expiresAt: new Date(Date.now() + (expiresInMs ?? out.expiresIn! * 1000)),
  }));
  return out.accessToken!;
}

test('a refresh token Atmos rotated while we refreshed: refused, caches read again, Atmos\'s new token used, no browser', async () => {
  await getSsoToken(provider, { login: 'if-needed', stderr: quiet() });
  setExpiry(cliFile, 5 * 60_000);
  setExpiry(atmosSessionFile, 5 * 60_000);
  let atmosToken = '';
  // Our CreateToken arrives; before it is handled, Atmos refreshes with the same refresh token.
  fake.fault({ op: 'CreateToken', times: 1, before: async () => { atmosToken = await atmosRefreshes(); } });
  fake.clearLog();
  const t = await getSsoToken(provider, { login: 'if-needed', stderr: quiet() });
  assert.ok(atmosToken);
  assert.is(t.accessToken, atmosToken);
  assert.is(t.source, 'atmos-cache');
  assert.is(fake.count('Authorize'), 0, 'no browser sign-in');
  assert.equal(fake.requests().map((r) => [r.op, r.status]), [['CreateToken', 200], ['CreateToken', 400]]);
  assert.is(fake.requests()[1]!.errorType, 'InvalidGrantException');
});

test("a rotated refresh token whose new access token is short too: Atmos's newer refresh token gets its own try", async () => {
  await getSsoToken(provider, { login: 'if-needed', stderr: quiet() });
  setExpiry(cliFile, 5 * 60_000);
  setExpiry(atmosSessionFile, 5 * 60_000);
  fake.fault({ op: 'CreateToken', times: 1, before: async () => { await atmosRefreshes(10 * 60_000); } });
  fake.clearLog();
  const t = await getSsoToken(provider, { login: 'if-needed', stderr: quiet() });
  assert.is(t.source, 'refresh');
  assert.is(fake.count('Authorize'), 0);
  assert.equal(fake.requests().map((r) => [r.op, r.status]), [['CreateToken', 200], ['CreateToken', 400], ['CreateToken', 200]]);
  assert.is(readJson(cliFile).accessToken, t.accessToken);
  assert.is(goLoadFullCachedToken(readFileSync(atmosSessionFile, 'utf8'), provider)!.accessToken, t.accessToken);
});

test("a half-written Atmos file (os.WriteFile cut short) is absent: no crash, the other cache or a login", async () => {
  await getSsoToken(provider, { login: 'if-needed', stderr: quiet() });
  const full = readFileSync(atmosSessionFile, 'utf8');
  for (const cut of [0, 1, Math.floor(full.length / 2), full.length - 1]) {
    writeFileSync(atmosSessionFile, full.slice(0, cut), { mode: 0o600 });
    const loc = locateToken(provider);
    const found = readCandidates(provider, loc).map((c) => c.source);
    assert.equal(found, ['aws-cli-cache'], `cut at ${cut}`);
    assert.is((await getSsoToken(provider, { login: 'never' })).source, 'aws-cli-cache');
  }
  rmSync(cliFile);
  writeFileSync(atmosSessionFile, full.slice(0, 40), { mode: 0o600 });
  assert.instance(await rejection(getSsoToken(provider, { login: 'never' })), LoginRequiredError);
});

test("status sees Atmos's file; logout signs out once and removes the token from every cache", async () => {
  await getSsoToken(provider, { login: 'if-needed', stderr: quiet() });
  rmSync(cliFile);
  assert.is(peekSsoToken(provider)?.source, 'atmos-cache');
  assert.ok(peekSsoToken(provider)?.refreshable, "Atmos's file carries the registration");
  await getSsoToken(provider, { login: 'always', stderr: quiet() });
  assert.ok(existsSync(cliFile) && existsSync(atmosSessionFile));
  fake.clearLog();
  await ssoLogout(provider);
  assert.is(fake.count('Logout'), 1, 'one portal Logout for the token both files hold');
  assert.not.ok(existsSync(cliFile));
  assert.not.ok(existsSync(atmosSessionFile));
  assert.is(peekSsoToken(provider), null);
});

test("shareSsoToken: a session only the AWS CLI holds (aws sso login) reaches Atmos's file, and one only Atmos holds reaches the AWS CLI's", async () => {
  mkdirSync(dirname(cliFile), { recursive: true });
  const reg = { clientId: 'cid', clientSecret: 'csecret', registrationExpiresAt: iso(86400_000), refreshToken: 'rt' };
  writeFileSync(cliFile, JSON.stringify({ startUrl: provider.startUrl, region: provider.region, accessToken: 'from-aws-sso-login', expiresAt: iso(2 * 3600_000), ...reg }), { mode: 0o600 });
  assert.equal(await shareSsoToken(provider, quiet()), [atmosSessionFile]);
  const got = goLoadFullCachedToken(readFileSync(atmosSessionFile, 'utf8'), provider);
  assert.is(got?.accessToken, 'from-aws-sso-login');
  assert.is(got?.refreshToken, 'rt');
  assert.is(statSync(atmosSessionFile).mode & 0o777, 0o600);
  assert.equal(await shareSsoToken(provider, quiet()), [], 'nothing left to share');

  rmSync(cliFile);
  goWriteFile(atmosSessionFile, goMarshalIndent({ accessToken: 'from-atmos-login', expiresAt: new Date(Date.now() + 3 * 3600_000), region: provider.region, startUrl: provider.startUrl, refreshToken: 'rt2', clientId: 'cid2', clientSecret: 'cs2', registrationExpiresAt: new Date(Date.now() + 86400_000) }));
  assert.equal(await shareSsoToken(provider, quiet()), [cliFile]);
  const cli = readJson(cliFile);
  assert.equal(Object.keys(cli), ['startUrl', 'region', 'accessToken', 'expiresAt', 'clientId', 'clientSecret', 'registrationExpiresAt', 'refreshToken']);
  assert.is(cli.accessToken, 'from-atmos-login');
  assert.match(cli.expiresAt!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.is(fake.requests().length, 0, 'offline');
});

test('a token the portal refuses is removed from both caches (and not used again)', async () => {
  const t = await getSsoToken(provider, { login: 'if-needed', stderr: quiet() });
  fake.revokeTokens({ user: 'alice' });
  assert.instance(await rejection(getRoleCredentials(provider, t, '100000000002', 'TerraformApplyAccess')), TokenRevokedError);
  assert.not.ok(existsSync(cliFile));
  assert.not.ok(existsSync(atmosSessionFile));
});

test.run();
