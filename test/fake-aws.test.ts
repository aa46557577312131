// The emulator's SSO side, driven by the real AWS SDK v3 clients through AWS_ENDPOINT_URL_*:
// device and PKCE logins, refresh rotation, revocation, the portal, pagination, faults.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import {
  SSOOIDCClient,
  RegisterClientCommand,
  StartDeviceAuthorizationCommand,
  CreateTokenCommand,
  AuthorizationPendingException,
  SlowDownException,
  ExpiredTokenException,
  InvalidGrantException,
  InvalidClientException,
  InternalServerException,
} from '@aws-sdk/client-sso-oidc';
import {
  SSOClient,
  GetRoleCredentialsCommand,
  ListAccountRolesCommand,
  ListAccountsCommand,
  LogoutCommand,
  UnauthorizedException,
  TooManyRequestsException,
  paginateListAccounts,
} from '@aws-sdk/client-sso';
import { startFakeAws, type FakeAws } from './fake-aws/server.ts';
import { authorizeUrl, isolate, pkce, registerAuthCodeClient, ssoLogin } from './fake-aws/helpers.ts';
import { rejection } from './helpers/rejection.ts';

const DEVICE = 'urn:ietf:params:oauth:grant-type:device_code';
const START = 'https://acme.awsapps.com/start/';
const PLAT_DEV = '200000000001';
const browserSh = fileURLToPath(new URL('./fake-aws/browser.sh', import.meta.url));

let fake: FakeAws;
const oidc = () => new SSOOIDCClient({ region: 'us-east-1', maxAttempts: 1 });
const sso = () => new SSOClient({ region: 'us-east-1', maxAttempts: 1 });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs the test BROWSER program (browser.sh) on a URL, asynchronously (the emulator is in this process). */
function runBrowser(url: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', [browserSh, url], { env: { ...process.env, FAKE_AWS_NODE: process.execPath } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test.before(async () => {
  fake = await startFakeAws();
  isolate(fake);
});
test.after(async () => {
  await fake.close();
});
test.before.each(() => {
  fake.clearLog();
  fake.clearFaults();
});

test('device code flow end to end: pending, slow down, approve by GET, token', async () => {
  const c = await oidc().send(new RegisterClientCommand({ clientName: 't', clientType: 'public', scopes: ['sso:account:access'] }));
  assert.ok(c.clientId && c.clientSecret);
  assert.ok(c.clientSecretExpiresAt! > Date.now() / 1000 + 86400);
  const d = await oidc().send(new StartDeviceAuthorizationCommand({ clientId: c.clientId, clientSecret: c.clientSecret, startUrl: START }));
  assert.is(d.verificationUri, `${fake.url}/device`);
  assert.is(d.verificationUriComplete, `${fake.url}/device?user_code=${d.userCode}`);
  assert.match(d.userCode!, /^[A-Z]{4}-[A-Z]{4}$/);
  assert.is(d.interval, 1);
  assert.is(d.expiresIn, 600);
  const poll = () => oidc().send(new CreateTokenCommand({ clientId: c.clientId!, clientSecret: c.clientSecret!, grantType: DEVICE, deviceCode: d.deviceCode! }));

  const pending = await rejection(poll());
  assert.instance(pending, AuthorizationPendingException);
  assert.is(pending.error, 'authorization_pending');
  assert.is(pending.error_description, 'Authorization is still pending');
  assert.is(pending.$metadata.httpStatusCode, 400);
  const slow = await rejection(poll());
  assert.instance(slow, SlowDownException);
  assert.is(slow.error, 'slow_down');

  // The test BROWSER approves by a plain GET; an unknown code is refused.
  assert.is((await runBrowser(`${fake.url}/device?user_code=XXXX-XXXX`)).code, 1);
  const approved = await runBrowser(d.verificationUriComplete!);
  assert.is(approved.code, 0, approved.stderr);
  await sleep(1050);
  const t = await poll();
  assert.match(t.accessToken!, /^aoa/);
  assert.match(t.refreshToken!, /^aor/);
  assert.is(t.tokenType, 'Bearer');
  assert.is(t.expiresIn, 28800);
  assert.equal(fake.requests().filter((e) => e.op === 'DeviceApprove').map((e) => [e.status, e.user]), [[400, undefined], [200, 'alice']]);
  assert.equal(fake.requests().filter((e) => e.op === 'CreateToken').map((e) => e.status), [400, 400, 200]);
  // A device code gives one token.
  assert.instance(await rejection(poll()), InvalidGrantException);
  // The token works at the portal.
  const rc = await sso().send(new GetRoleCredentialsCommand({ accessToken: t.accessToken!, accountId: PLAT_DEV, roleName: 'TerraformApplyAccess' }));
  assert.match(rc.roleCredentials!.accessKeyId!, /^ASIA[A-Z2-7]{16}$/);
});

test('device code expires: ExpiredTokenException', async () => {
  const f = await startFakeAws({ scenario: { deviceExpiresIn: 1 } });
  try {
    const client = new SSOOIDCClient({ region: 'us-east-1', endpoint: f.url, maxAttempts: 1 });
    const c = await client.send(new RegisterClientCommand({ clientName: 't', clientType: 'public' }));
    const d = await client.send(new StartDeviceAuthorizationCommand({ clientId: c.clientId, clientSecret: c.clientSecret, startUrl: START }));
    await sleep(1100);
    const e = await rejection(client.send(new CreateTokenCommand({ clientId: c.clientId!, clientSecret: c.clientSecret!, grantType: DEVICE, deviceCode: d.deviceCode! })));
    assert.instance(e, ExpiredTokenException);
    assert.is(e.error, 'expired_token');
    // An expired code cannot be approved either.
    assert.is((await fetch(d.verificationUriComplete!)).status, 400);
  } finally {
    await f.close();
  }
});

test('authorization code + PKCE end to end with the test BROWSER program and a loopback callback', async () => {
  const client = await registerAuthCodeClient(fake);
  const { verifier, challenge } = pkce();
  const got: { code?: string; state?: string } = {};
  const callback = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    got.code = u.searchParams.get('code') ?? undefined;
    got.state = u.searchParams.get('state') ?? undefined;
    res.writeHead(200, { 'content-type': 'text/plain' }).end('logged in');
  });
  await new Promise<void>((r) => callback.listen(0, '127.0.0.1', r));
  const redirectUri = `http://127.0.0.1:${(callback.address() as AddressInfo).port}/oauth/callback`;
  try {
    const url = authorizeUrl(fake, { ...client, redirectUri, state: 'state-123', challenge });
    const out = await runBrowser(url);
    assert.is(out.code, 0, out.stderr);
    assert.is(got.state, 'state-123');
    assert.ok(got.code);
    assert.not.ok((out.stdout + out.stderr).includes(got.code!), 'the browser prints no code');
    assert.is(fake.count('Authorize'), 1);

    const create = (p: { code?: string; redirectUri?: string; codeVerifier?: string }) =>
      oidc().send(new CreateTokenCommand({ ...client, grantType: 'authorization_code', code: got.code!, redirectUri, codeVerifier: verifier, ...p }));
    const wrongVerifier = await rejection(create({ codeVerifier: pkce().verifier }));
    assert.instance(wrongVerifier, InvalidGrantException);
    assert.is(wrongVerifier.error, 'invalid_grant');
    assert.instance(await rejection(create({ redirectUri: 'http://127.0.0.1:9/oauth/callback' })), InvalidGrantException);
    const badClient = await rejection(oidc().send(new CreateTokenCommand({ clientId: client.clientId, clientSecret: 'nope', grantType: 'authorization_code', code: got.code!, redirectUri, codeVerifier: verifier })));
    assert.instance(badClient, InvalidClientException);
    assert.is(badClient.$metadata.httpStatusCode, 401);
    const t = await create({});
    assert.ok(t.accessToken && t.refreshToken);
    assert.is(fake.requests().filter((e) => e.op === 'CreateToken' && e.status === 200)[0]?.user, 'alice');
    // Codes are single use.
    assert.instance(await rejection(create({})), InvalidGrantException);
  } finally {
    callback.close();
  }
});

test('authorize refuses unknown clients and unregistered redirect URIs without redirecting', async () => {
  const client = await registerAuthCodeClient(fake);
  const { challenge } = pkce();
  const bad1 = await fetch(authorizeUrl(fake, { clientId: 'nope', clientSecret: '', redirectUri: 'http://127.0.0.1:5/oauth/callback', state: 's', challenge } as never), { redirect: 'manual' });
  assert.is(bad1.status, 400);
  const bad2 = await fetch(authorizeUrl(fake, { ...client, redirectUri: 'http://127.0.0.1:5/elsewhere', state: 's', challenge }), { redirect: 'manual' });
  assert.is(bad2.status, 400);
  const bad3 = await fetch(authorizeUrl(fake, { ...client, redirectUri: 'http://evil.example:5/oauth/callback', state: 's', challenge }), { redirect: 'manual' });
  assert.is(bad3.status, 400);
  // Any loopback port is fine (RFC 8252); a missing challenge goes back to the client as an error.
  const noPkce = await fetch(`${fake.url}/authorize?response_type=code&client_id=${client.clientId}&redirect_uri=${encodeURIComponent('http://127.0.0.1:7/oauth/callback')}&state=s`, { redirect: 'manual' });
  assert.is(noPkce.status, 302);
  const loc = new URL(noPkce.headers.get('location')!);
  assert.is(loc.port, '7');
  assert.is(loc.searchParams.get('error'), 'invalid_request');
  assert.is(loc.searchParams.get('state'), 's');
  // A device-only client cannot use /authorize.
  const dev = await oidc().send(new RegisterClientCommand({ clientName: 't', clientType: 'public' }));
  const bad4 = await fetch(authorizeUrl(fake, { clientId: dev.clientId!, redirectUri: 'http://127.0.0.1:5/oauth/callback', state: 's', challenge }), { redirect: 'manual' });
  assert.is(bad4.status, 400);
});

test('RegisterClient for authorization_code needs loopback redirect URIs', async () => {
  const e = await rejection(oidc().send(new RegisterClientCommand({ clientName: 't', clientType: 'public', grantTypes: ['authorization_code'], redirectUris: ['https://example.com/cb'], issuerUrl: START })));
  assert.is(e.name, 'InvalidRedirectUriException');
});

test('refresh rotates both tokens; the old refresh token and expired ones are refused', async () => {
  const login = await ssoLogin(fake);
  const refresh = (refreshToken: string) =>
    oidc().send(new CreateTokenCommand({ clientId: login.clientId, clientSecret: login.clientSecret, grantType: 'refresh_token', refreshToken }));
  const r1 = await refresh(login.refreshToken!);
  assert.ok(r1.accessToken && r1.refreshToken);
  assert.is.not(r1.accessToken, login.accessToken);
  assert.is.not(r1.refreshToken, login.refreshToken);
  const reused = await rejection(refresh(login.refreshToken!));
  assert.instance(reused, InvalidGrantException);
  assert.is(reused.error, 'invalid_grant');
  const rc = await sso().send(new GetRoleCredentialsCommand({ accessToken: r1.accessToken!, accountId: PLAT_DEV, roleName: 'TerraformPlanAccess' }));
  assert.ok(rc.roleCredentials?.sessionToken);
  const log = fake.requests().filter((e) => e.op === 'CreateToken');
  assert.equal(log.map((e) => e.grantType), ['authorization_code', 'refresh_token', 'refresh_token']);
  fake.expireRefreshTokens();
  assert.instance(await rejection(refresh(r1.refreshToken!)), InvalidGrantException);
});

test('revoked token: UnauthorizedException from GetRoleCredentials, refresh refused', async () => {
  const login = await ssoLogin(fake);
  await sso().send(new GetRoleCredentialsCommand({ accessToken: login.accessToken, accountId: PLAT_DEV, roleName: 'TerraformApplyAccess' }));
  fake.revokeTokens({ user: 'alice' });
  const e = await rejection(sso().send(new GetRoleCredentialsCommand({ accessToken: login.accessToken, accountId: PLAT_DEV, roleName: 'TerraformApplyAccess' })));
  assert.instance(e, UnauthorizedException);
  assert.is(e.message, 'Session token not found or invalid');
  assert.is(e.$metadata.httpStatusCode, 401);
  const r = await rejection(oidc().send(new CreateTokenCommand({ clientId: login.clientId, clientSecret: login.clientSecret, grantType: 'refresh_token', refreshToken: login.refreshToken! })));
  assert.instance(r, InvalidGrantException);
  // A new login works again.
  const again = await ssoLogin(fake);
  await sso().send(new GetRoleCredentialsCommand({ accessToken: again.accessToken, accountId: PLAT_DEV, roleName: 'TerraformApplyAccess' }));
});

test('Logout ends the session', async () => {
  const login = await ssoLogin(fake);
  await sso().send(new LogoutCommand({ accessToken: login.accessToken }));
  assert.instance(await rejection(sso().send(new ListAccountRolesCommand({ accessToken: login.accessToken, accountId: PLAT_DEV }))), UnauthorizedException);
  assert.is(fake.count('Logout'), 1);
});

test('GetRoleCredentials: ForbiddenException "No access" for an unassigned permission set or account', async () => {
  const login = await ssoLogin(fake);
  for (const [accountId, roleName] of [[PLAT_DEV, 'AdministratorAccess'], ['999999999999', 'TerraformApplyAccess']] as const) {
    const e = await rejection(sso().send(new GetRoleCredentialsCommand({ accessToken: login.accessToken, accountId, roleName })));
    assert.is(e.name, 'ForbiddenException');
    assert.is(e.message, 'No access');
    assert.is(e.$metadata.httpStatusCode, 403);
  }
  const entry = fake.requests().filter((x) => x.op === 'GetRoleCredentials').at(-1)!;
  assert.equal({ status: entry.status, accountId: entry.accountId, roleName: entry.roleName, user: entry.user }, { status: 403, accountId: '999999999999', roleName: 'TerraformApplyAccess', user: 'alice' });
});

test('GetRoleCredentials: unique ASIA keys, epoch-ms expiration, logged without secrets', async () => {
  const login = await ssoLogin(fake);
  const get = () => sso().send(new GetRoleCredentialsCommand({ accessToken: login.accessToken, accountId: PLAT_DEV, roleName: 'TerraformApplyAccess' }));
  const [a, b] = [(await get()).roleCredentials!, (await get()).roleCredentials!];
  assert.is.not(a.accessKeyId, b.accessKeyId);
  assert.ok(Math.abs(a.expiration! - (Date.now() + 3600_000)) < 60_000);
  const log = JSON.stringify(fake.requests());
  for (const secret of [login.accessToken, login.refreshToken!, login.clientSecret, a.secretAccessKey!, a.sessionToken!]) {
    assert.not.ok(log.includes(secret), 'no secret in the request log');
  }
  assert.ok(log.includes(a.accessKeyId!));
});

test('ListAccounts paginates with the scenario page size; ListAccountRoles lists the permission sets', async () => {
  const f = await startFakeAws({ scenario: { pageSize: 3 } });
  try {
    const login = await ssoLogin(f);
    const client = new SSOClient({ region: 'us-east-1', endpoint: f.url });
    const names: string[] = [];
    for await (const page of paginateListAccounts({ client }, { accessToken: login.accessToken })) {
      assert.ok(page.accountList!.length <= 3);
      names.push(...page.accountList!.map((a) => a.accountName!));
    }
    assert.is(names.length, 10);
    assert.ok(names.includes('plat-dev') && names.includes('core-root'));
    assert.is(f.count('ListAccounts'), 4);
    const roles = await client.send(new ListAccountRolesCommand({ accessToken: login.accessToken, accountId: PLAT_DEV }));
    assert.equal(roles.roleList!.map((r) => r.roleName).sort(), ['TerraformApplyAccess', 'TerraformPlanAccess', 'TerraformStateAccess']);
    assert.ok(roles.nextToken === undefined || roles.nextToken === null);
  } finally {
    await f.close();
  }
});

test('a custom scenario: users, loginAs, assignments by account name', async () => {
  const f = await startFakeAws({
    scenario: {
      accounts: [{ accountId: '123456789012', accountName: 'solo' }],
      users: [{ name: 'carol', assignments: [{ accountName: 'solo', roleName: 'ReadOnly' }] }, { name: 'dave', assignments: [] }],
      loginAs: 'carol',
    },
  });
  try {
    const login = await ssoLogin(f);
    const client = new SSOClient({ region: 'us-east-1', endpoint: f.url, maxAttempts: 1 });
    const rc = await client.send(new GetRoleCredentialsCommand({ accessToken: login.accessToken, accountId: '123456789012', roleName: 'ReadOnly' }));
    assert.ok(rc.roleCredentials?.accessKeyId);
    assert.is(f.requests().find((e) => e.op === 'GetRoleCredentials')?.user, 'carol');
  } finally {
    await f.close();
  }
});

test('faults: 429 -> TooManyRequestsException then normal; errors in each protocol; times counts down', async () => {
  const login = await ssoLogin(fake);
  fake.fault({ op: 'GetRoleCredentials', status: 429, times: 1 });
  const get = () => sso().send(new GetRoleCredentialsCommand({ accessToken: login.accessToken, accountId: PLAT_DEV, roleName: 'TerraformApplyAccess' }));
  const e = await rejection(get());
  assert.instance(e, TooManyRequestsException);
  assert.is(e.$metadata.httpStatusCode, 429);
  assert.ok((await get()).roleCredentials);

  fake.fault({ op: 'CreateToken', errorType: 'InternalServerException', message: 'boom', times: 1 });
  const ise = await rejection(oidc().send(new CreateTokenCommand({ clientId: login.clientId, clientSecret: login.clientSecret, grantType: 'refresh_token', refreshToken: login.refreshToken! })));
  assert.instance(ise, InternalServerException);
  assert.is(ise.error_description, 'boom');
  assert.is(ise.$metadata.httpStatusCode, 500);

  fake.fault({ op: '*', status: 503, message: 'down', times: 2 });
  assert.is((await rejection(get())).$metadata.httpStatusCode, 503);
  assert.is((await rejection(get())).$metadata.httpStatusCode, 503);
  assert.ok((await get()).roleCredentials);
  fake.fault({ op: 'GetRoleCredentials', status: 429 });
  await rejection(get());
  await rejection(get());
  fake.clearFaults();
  assert.ok((await get()).roleCredentials);
  assert.equal(fake.requests().filter((x) => x.op === 'GetRoleCredentials').map((x) => x.status), [429, 200, 503, 503, 200, 429, 429, 200]);
});

test('faults: a delayed request does not hold up others', async () => {
  const login = await ssoLogin(fake);
  fake.fault({ op: 'ListAccounts', delayMs: 1500, times: 1 });
  const order: string[] = [];
  const client = sso();
  const slow = client.send(new ListAccountsCommand({ accessToken: login.accessToken })).then(() => order.push('ListAccounts'));
  await sleep(50);
  await client.send(new ListAccountRolesCommand({ accessToken: login.accessToken, accountId: PLAT_DEV }));
  order.push('ListAccountRoles');
  await slow;
  assert.equal(order, ['ListAccountRoles', 'ListAccounts']);
  assert.equal(fake.requests().map((x) => x.op).slice(-2), ['ListAccountRoles', 'ListAccounts']);
});

test.run();
