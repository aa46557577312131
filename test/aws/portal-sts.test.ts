// Role credentials, account names, STS calls and the error mapping, real SDK against the emulator.
import { home, provider, resetCaches, root } from './env.ts';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { startFakeAws, type FakeAws } from '../fake-aws/server.ts';
import { getSsoToken, type SsoToken } from '../../src/aws/sso-session.ts';
import { accountIdByName, getRoleCredentials, listAccounts } from '../../src/aws/portal.ts';
import { assumeRole, assumeRoleWithWebIdentity, getCallerIdentity, getSessionToken } from '../../src/aws/sts.ts';
import { getGithubIdToken } from '../../src/aws/github-oidc.ts';
import {
  AccountNotFoundError, AssumeRoleDeniedError, AwsRequestError, EndpointUnreachableError, GithubOidcUnavailableError, InvalidKeysError,
  MfaFailedError, NoAssignmentError, ThrottledError, TokenRevokedError,
} from '../../src/aws/errors.ts';

let fake: FakeAws;
let token: SsoToken;
const quiet = () => new PassThrough();
const region = 'us-east-1';

async function rejects<T extends Error>(p: Promise<unknown>, cls: new (...a: never[]) => T): Promise<T> {
  try {
    await p;
  } catch (e) {
    assert.instance(e, cls);
    return e as T;
  }
  throw new Error(`expected ${cls.name}`);
}

test.before(async () => {
  fake = await startFakeAws({ scenario: { pageSize: 3 } });
  Object.assign(process.env, fake.env);
  resetCaches();
  token = await getSsoToken(provider, { login: 'if-needed', stderr: quiet() });
});
test.after(async () => fake.close());
test.before.each(() => {
  fake.clearLog();
  fake.clearFaults();
  delete process.env.ATMOS_AUTH_HTTP_TIMEOUT_MS;
  Object.assign(process.env, fake.env);
});

test('GetRoleCredentials: credentials with their expiration', async () => {
  const c = await getRoleCredentials(provider, token, '100000000002', 'TerraformApplyAccess');
  assert.match(c.accessKeyId, /^ASIA/);
  assert.ok(c.secretAccessKey && c.sessionToken);
  assert.instance(c.expiration, Date);
  assert.ok(c.expiration!.getTime() > Date.now() + 50 * 60_000);
  const who = await getCallerIdentity(c, region);
  assert.is(who.account, '100000000002');
  assert.match(who.arn, 'AWSReservedSSO_TerraformApplyAccess');
});

test('ForbiddenException -> NoAssignmentError naming identity, profile, permission set and account', async () => {
  const e = await rejects(getRoleCredentials(provider, token, '100000000002', 'AdministratorAccess', { identity: 'core-auto/admin', profile: 'devops', accountName: 'core-auto' }), NoAssignmentError);
  for (const s of ['AdministratorAccess', 'core-auto (100000000002)', 'identity core-auto/admin', 'profile devops']) assert.match(e.message, s);
  assert.ok(e.hint);
});

test('ListAccounts: every page, cached; accountIdByName is case-insensitive', async () => {
  const all = await listAccounts(provider, token, { fresh: true });
  assert.is(all.length, 10);
  assert.is(fake.count('ListAccounts'), 4, 'pages of 3');
  fake.clearLog();
  assert.is(await accountIdByName(provider, token, 'Plat-Dev'), '200000000001');
  assert.is(await accountIdByName(provider, token, 'core-auto'), '100000000002');
  assert.is(fake.count('ListAccounts'), 0, 'served from the cache');
  const cacheFiles = existsSync(join(home, '.cache', 'atmos-auth', 'sso'));
  assert.ok(cacheFiles);
});

test('unknown account name: refetched once, then AccountNotFoundError listing the known ones', async () => {
  await listAccounts(provider, token);
  fake.clearLog();
  const e = await rejects(accountIdByName(provider, token, 'plat-nowhere'), AccountNotFoundError);
  assert.is(fake.count('ListAccounts'), 4, 'one fresh listing');
  assert.match(e.render(), 'plat-dev');
});

test('throttling after retries -> ThrottledError; 5xx -> AwsRequestError with status', async () => {
  fake.fault({ op: 'GetRoleCredentials', status: 429, times: 10 });
  await rejects(getRoleCredentials(provider, token, '100000000002', 'TerraformPlanAccess'), ThrottledError);
  assert.is(fake.count('GetRoleCredentials'), 3, 'bounded retries (3 attempts)');
  fake.clearFaults();
  fake.clearLog();
  fake.fault({ op: 'GetRoleCredentials', status: 500, times: 10 });
  const e = await rejects(getRoleCredentials(provider, token, '100000000002', 'TerraformPlanAccess'), AwsRequestError);
  assert.is(e.status, 500);
  fake.clearFaults();
  fake.clearLog();
  fake.fault({ op: 'GetRoleCredentials', status: 503, times: 1 });
  const c = await getRoleCredentials(provider, token, '100000000002', 'TerraformPlanAccess');
  assert.ok(c.accessKeyId, 'one transient 503 is retried');
  assert.is(fake.count('GetRoleCredentials'), 2);
});

test('no answer within the deadline -> EndpointUnreachableError naming endpoint and variable', async () => {
  process.env.ATMOS_AUTH_HTTP_TIMEOUT_MS = '200';
  fake.fault({ op: 'GetRoleCredentials', delayMs: 1500, times: 10 });
  const started = Date.now();
  const e = await rejects(getRoleCredentials(provider, token, '100000000002', 'TerraformPlanAccess'), EndpointUnreachableError);
  assert.ok(Date.now() - started < 10_000, 'gave up well before the server answered three times');
  assert.match(e.message, fake.url);
  assert.match(e.render(), 'AWS_ENDPOINT_URL_SSO');
});

test('nothing listening -> EndpointUnreachableError (STS)', async () => {
  process.env.AWS_ENDPOINT_URL_STS = 'http://127.0.0.1:9';
  const e = await rejects(getCallerIdentity({ accessKeyId: 'AKIAX', secretAccessKey: 'x' }, region), EndpointUnreachableError);
  assert.match(e.message, 'http://127.0.0.1:9');
  assert.match(e.render(), 'AWS_ENDPOINT_URL_STS');
});

test('AssumeRole chain from SSO credentials; AccessDenied -> AssumeRoleDeniedError', async () => {
  const sso = await getRoleCredentials(provider, token, '100000000002', 'TerraformApplyAccess');
  const c = await assumeRole(sso, { roleArn: 'arn:aws:iam::200000000001:role/acme-plat-dev-terraform', sessionName: 'alice', region, durationSeconds: 900 });
  const who = await getCallerIdentity(c, region);
  assert.is(who.arn, 'arn:aws:sts::200000000001:assumed-role/acme-plat-dev-terraform/alice');
  const plan = await getRoleCredentials(provider, token, '100000000002', 'TerraformPlanAccess');
  const e = await rejects(assumeRole(plan, { roleArn: 'arn:aws:iam::200000000001:role/acme-plat-dev-terraform', sessionName: 'alice', region }, { identity: 'plat-dev/terraform' }), AssumeRoleDeniedError);
  assert.match(e.message, 'acme-plat-dev-terraform');
  assert.match(e.message, 'identity plat-dev/terraform');
});

test('STS credentials are explicit: stale AWS_* variables in the environment are ignored', async () => {
  process.env.AWS_ACCESS_KEY_ID = 'AKIASTALESTALESTALE0';
  process.env.AWS_SECRET_ACCESS_KEY = 'stale';
  process.env.AWS_SESSION_TOKEN = 'stale';
  process.env.AWS_PROFILE = 'does-not-exist';
  try {
    const sso = await getRoleCredentials(provider, token, '100000000003', 'TerraformStateAccess');
    assert.is((await getCallerIdentity(sso, region)).account, '100000000003');
  } finally {
    for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) delete process.env[k];
  }
});

test('GetSessionToken with MFA; wrong code -> MfaFailedError; bad keys -> InvalidKeysError', async () => {
  const user = { accessKeyId: 'AKIAACMESUPERADMIN01', secretAccessKey: 'fake/superadmin/secret/key/0000000000000' };
  const mfaSerial = 'arn:aws:iam::100000000003:mfa/superadmin';
  const c = await getSessionToken(user, { mfaSerial, mfaCode: '123456', region, durationSeconds: 3600 });
  assert.ok(c.sessionToken && c.expiration);
  await rejects(getSessionToken(user, { mfaSerial, mfaCode: '000000', region }), MfaFailedError);
  await rejects(getSessionToken({ ...user, secretAccessKey: 'wrong' }, { mfaSerial, mfaCode: '123456', region }), InvalidKeysError);
});

test('GitHub OIDC: ID token from the Actions endpoint -> AssumeRoleWithWebIdentity', async () => {
  await rejects(getGithubIdToken('sts.amazonaws.com'), GithubOidcUnavailableError);
  process.env.ACTIONS_ID_TOKEN_REQUEST_URL = `${fake.url}/__github/token?api-version=2.0`;
  process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN = 'gh-request-token';
  try {
    const jwt = await getGithubIdToken('sts.amazonaws.com');
    assert.is(jwt.split('.').length, 3);
    const c = await assumeRoleWithWebIdentity({ roleArn: 'arn:aws:iam::100000000002:role/acme-core-auto-planner', sessionName: 'ci', webIdentityToken: jwt, region });
    assert.is((await getCallerIdentity(c, region)).arn, 'arn:aws:sts::100000000002:assumed-role/acme-core-auto-planner/ci');
    const wrongAud = await getGithubIdToken('someone-else');
    await rejects(assumeRoleWithWebIdentity({ roleArn: 'arn:aws:iam::100000000002:role/acme-core-auto-planner', sessionName: 'ci', webIdentityToken: wrongAud, region }), AssumeRoleDeniedError);
    process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN = 'wrong';
    await rejects(getGithubIdToken('sts.amazonaws.com'), GithubOidcUnavailableError);
  } finally {
    delete process.env.ACTIONS_ID_TOKEN_REQUEST_URL;
    delete process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  }
});

test('UnauthorizedException -> TokenRevokedError, token dropped, next getSsoToken logs in once', async () => {
  fake.revokeTokens();
  const e = await rejects(getRoleCredentials(provider, token, '100000000002', 'TerraformApplyAccess'), TokenRevokedError);
  assert.match(e.render(), 'atmos-auth login --provider acme-sso');
  assert.not.ok(existsSync(token.cacheFile!), 'the revoked token left the AWS CLI cache');
  process.env.BROWSER = join(root, 'test/fake-aws/browser.sh');
  fake.clearLog();
  const again = await getSsoToken(provider, { login: 'if-needed', stderr: quiet() });
  assert.is(again.source, 'login');
  assert.is(fake.count('Authorize'), 1);
  const c = await getRoleCredentials(provider, again, '100000000002', 'TerraformApplyAccess');
  assert.ok(c.accessKeyId);
});

test.run();
