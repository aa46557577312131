// The emulator's STS, driven by the real @aws-sdk/client-sts: SigV4 verified for real, expiry,
// AssumeRole trust, MFA, web identity with GitHub ID tokens, STS-shaped errors and faults.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  STSClient,
  GetCallerIdentityCommand,
  AssumeRoleCommand,
  GetSessionTokenCommand,
  AssumeRoleWithWebIdentityCommand,
  InvalidIdentityTokenException,
  ExpiredTokenException,
} from '@aws-sdk/client-sts';
import { SSOClient, GetRoleCredentialsCommand } from '@aws-sdk/client-sso';
import { startFakeAws, type FakeAws } from './fake-aws/server.ts';
import { SUPERADMIN } from './fake-aws/scenario.ts';
import { isolate, ssoLogin } from './fake-aws/helpers.ts';
import { computeSignature, parseAuthorization, verifySignature } from './fake-aws/sigv4.ts';
import { rejection } from './helpers/rejection.ts';

interface Creds { accessKeyId: string; secretAccessKey: string; sessionToken?: string }
const PLAT_DEV = '200000000001';
const ROLE = `arn:aws:iam::${PLAT_DEV}:role/acme-plat-dev-terraform`;
const PLANNER = `arn:aws:iam::${PLAT_DEV}:role/acme-plat-dev-planner`;
const superadmin: Creds = { accessKeyId: SUPERADMIN.accessKeyId, secretAccessKey: SUPERADMIN.secretAccessKey };

let fake: FakeAws;
const sts = (credentials?: Creds, endpoint?: string) =>
  new STSClient({ region: 'us-east-1', maxAttempts: 1, ...(credentials ? { credentials } : {}), ...(endpoint ? { endpoint } : {}) });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function fromSts(c: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string } | undefined): Creds {
  return { accessKeyId: c!.AccessKeyId!, secretAccessKey: c!.SecretAccessKey!, sessionToken: c!.SessionToken! };
}

async function ssoCreds(f: FakeAws, roleName: string, accountId = PLAT_DEV): Promise<Creds> {
  const login = await ssoLogin(f);
  const r = await new SSOClient({ region: 'us-east-1', endpoint: f.url }).send(new GetRoleCredentialsCommand({ accessToken: login.accessToken, accountId, roleName }));
  const c = r.roleCredentials!;
  return { accessKeyId: c.accessKeyId!, secretAccessKey: c.secretAccessKey!, sessionToken: c.sessionToken! };
}

async function githubJwt(f: FakeAws, audience = 'sts.amazonaws.com', requestToken = 'gh-request-token'): Promise<Response> {
  // As @actions/core does it: the request URL already has a query, the audience is appended.
  return fetch(`${f.url}/__github/token?api-version=2.0&audience=${encodeURIComponent(audience)}`, { headers: { Authorization: `bearer ${requestToken}` } });
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

test('sigv4: the AWS documentation example signature', () => {
  // IAM ListUsers example of the SigV4 docs (secret and signature are the published example values).
  const headers = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', host: 'iam.amazonaws.com', 'x-amz-date': '20150830T123600Z' };
  const auth = parseAuthorization('AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7')!;
  const req = { method: 'GET', rawUrl: '/?Action=ListUsers&Version=2010-05-08', headers, body: Buffer.alloc(0) };
  assert.is(computeSignature(req, auth, '20150830T123600Z', 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'), auth.signature);
  const at = Date.UTC(2015, 7, 30, 12, 40);
  assert.is(verifySignature(req, auth, 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', 'iam', at), undefined);
  assert.match(verifySignature(req, auth, 'wrong', 'iam', at)!, /does not match/);
  assert.match(verifySignature(req, auth, 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', 'iam', at + 3600_000)!, /Signature expired/);
});

test('GetCallerIdentity with SSO role credentials, then ExpiredToken once they expire', async () => {
  const f = await startFakeAws({ scenario: { roleCredentialsTtl: 2 } });
  try {
    const creds = await ssoCreds(f, 'TerraformApplyAccess');
    const id = await sts(creds, f.url).send(new GetCallerIdentityCommand({}));
    assert.is(id.Account, PLAT_DEV);
    assert.match(id.Arn!, new RegExp(`^arn:aws:sts::${PLAT_DEV}:assumed-role/AWSReservedSSO_TerraformApplyAccess_[0-9a-f]{16}/alice$`));
    assert.match(id.UserId!, /^AROA[A-Z2-7]{17}:alice$/);
    const entry = f.requests().find((e) => e.op === 'GetCallerIdentity')!;
    assert.equal({ status: entry.status, accessKeyId: entry.accessKeyId, user: entry.user }, { status: 200, accessKeyId: creds.accessKeyId, user: 'alice' });
    await sleep(2100);
    const e = await rejection(sts(creds, f.url).send(new GetCallerIdentityCommand({})));
    assert.is(e.name, 'ExpiredToken');
    assert.is(e.message, 'The security token included in the request is expired');
    assert.is(e.$metadata.httpStatusCode, 400);
  } finally {
    await f.close();
  }
});

test('STS authenticates: unknown key, wrong secret, wrong session token, unsigned', async () => {
  const creds = await ssoCreds(fake, 'TerraformPlanAccess');
  const unknown = await rejection(sts({ accessKeyId: 'ASIAUNKNOWNUNKNOWN00', secretAccessKey: 'x', sessionToken: 'y' }).send(new GetCallerIdentityCommand({})));
  assert.is(unknown.name, 'InvalidClientTokenId');
  assert.is(unknown.message, 'The security token included in the request is invalid.');
  assert.is(unknown.$metadata.httpStatusCode, 403);
  const badSecret = await rejection(sts({ ...creds, secretAccessKey: creds.secretAccessKey + 'x' }).send(new GetCallerIdentityCommand({})));
  assert.is(badSecret.name, 'SignatureDoesNotMatch');
  assert.match(badSecret.message, /^The request signature we calculated does not match/);
  assert.is(badSecret.$metadata.httpStatusCode, 403);
  const badToken = await rejection(sts({ ...creds, sessionToken: 'IQoJ-not-it' }).send(new GetCallerIdentityCommand({})));
  assert.is(badToken.name, 'InvalidClientTokenId');
  const unsigned = await fetch(fake.url + '/', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=GetCallerIdentity&Version=2011-06-15' });
  assert.is(unsigned.status, 403);
  assert.match(await unsigned.text(), /<Code>MissingAuthenticationToken<\/Code>/);
  const ok = await sts(creds).send(new GetCallerIdentityCommand({}));
  assert.is(ok.Account, PLAT_DEV);
});

test('AssumeRole: trust allows the break-glass user, denies others with AWS\'s message, ExternalId, durations', async () => {
  const r = await sts(superadmin).send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'breakglass-1' }));
  assert.is(r.AssumedRoleUser!.Arn, `arn:aws:sts::${PLAT_DEV}:assumed-role/acme-plat-dev-terraform/breakglass-1`);
  assert.ok(r.Credentials!.Expiration instanceof Date);
  assert.ok(Math.abs(r.Credentials!.Expiration!.getTime() - Date.now() - 3600_000) < 60_000);
  const id = await sts(fromSts(r.Credentials)).send(new GetCallerIdentityCommand({}));
  assert.is(id.Arn, r.AssumedRoleUser!.Arn);
  assert.is(id.UserId, r.AssumedRoleUser!.AssumedRoleId);
  assert.equal(fake.requests().find((e) => e.op === 'AssumeRole')?.roleArn, ROLE);

  const denied = await rejection(sts(superadmin).send(new AssumeRoleCommand({ RoleArn: PLANNER, RoleSessionName: 's1' })));
  assert.is(denied.name, 'AccessDenied');
  assert.is(denied.message, `User: arn:aws:iam::${SUPERADMIN.accountId}:user/superadmin is not authorized to perform: sts:AssumeRole on resource: ${PLANNER}`);
  assert.is(denied.$metadata.httpStatusCode, 403);
  const missing = await rejection(sts(superadmin).send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::200000000001:role/nope', RoleSessionName: 's1' })));
  assert.is(missing.name, 'AccessDenied');

  // Chained from SSO: the apply permission set is trusted, plan is not; chaining caps at 1 hour.
  const apply = await ssoCreds(fake, 'TerraformApplyAccess');
  const chained = await sts(apply).send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'alice' }));
  assert.ok(chained.Credentials?.SessionToken);
  const long = await rejection(sts(apply).send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'alice', DurationSeconds: 7200 })));
  assert.is(long.name, 'ValidationError');
  assert.match(long.message, /role chaining/);
  const plan = await ssoCreds(fake, 'TerraformPlanAccess');
  const planDenied = await rejection(sts(plan).send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'alice' })));
  assert.is(planDenied.name, 'AccessDenied');
  assert.match(planDenied.message, /assumed-role\/AWSReservedSSO_TerraformPlanAccess_[0-9a-f]{16}\/alice is not authorized/);
  const short = await rejection(sts(superadmin).send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 's', DurationSeconds: 60 })));
  assert.is(short.name, 'ValidationError');
  const tooLong = await rejection(sts(superadmin).send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'ss', DurationSeconds: 50000 })));
  assert.is(tooLong.message, 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
});

test('AssumeRole: ExternalId and MFA-only roles from the scenario', async () => {
  const ext = 'arn:aws:iam::300000000000:role/vendor';
  const mfaRole = 'arn:aws:iam::300000000000:role/mfa-only';
  const f = await startFakeAws({
    scenario: {
      roles: [
        { arn: ext, trust: ['arn:aws:iam::100000000003:user/*'], externalId: 'acme-ext-1' },
        { arn: mfaRole, trust: ['arn:aws:iam::100000000003:root'], requireMfa: true },
      ],
    },
  });
  try {
    const c = sts(superadmin, f.url);
    assert.is((await rejection(c.send(new AssumeRoleCommand({ RoleArn: ext, RoleSessionName: 'ss' })))).name, 'AccessDenied');
    assert.is((await rejection(c.send(new AssumeRoleCommand({ RoleArn: ext, RoleSessionName: 'ss', ExternalId: 'wrong' })))).name, 'AccessDenied');
    assert.ok((await c.send(new AssumeRoleCommand({ RoleArn: ext, RoleSessionName: 'ss', ExternalId: 'acme-ext-1' }))).Credentials);
    assert.is((await rejection(c.send(new AssumeRoleCommand({ RoleArn: mfaRole, RoleSessionName: 'ss' })))).name, 'AccessDenied');
    const withMfa = await c.send(new GetSessionTokenCommand({ SerialNumber: SUPERADMIN.mfaSerial, TokenCode: SUPERADMIN.mfaCode }));
    assert.ok((await sts(fromSts(withMfa.Credentials), f.url).send(new AssumeRoleCommand({ RoleArn: mfaRole, RoleSessionName: 'ss' }))).Credentials);
  } finally {
    await f.close();
  }
});

test('GetSessionToken: MFA good and bad; not with session credentials', async () => {
  const good = await sts(superadmin).send(new GetSessionTokenCommand({ SerialNumber: SUPERADMIN.mfaSerial, TokenCode: '123456', DurationSeconds: 3600 }));
  assert.match(good.Credentials!.AccessKeyId!, /^ASIA/);
  const id = await sts(fromSts(good.Credentials)).send(new GetCallerIdentityCommand({}));
  assert.is(id.Arn, 'arn:aws:iam::100000000003:user/superadmin');
  assert.match(id.UserId!, /^AIDA/);
  const bad = await rejection(sts(superadmin).send(new GetSessionTokenCommand({ SerialNumber: SUPERADMIN.mfaSerial, TokenCode: '654321' })));
  assert.is(bad.name, 'AccessDenied');
  assert.is(bad.message, 'MultiFactorAuthentication failed with invalid MFA one time pass code.');
  assert.is(bad.$metadata.httpStatusCode, 403);
  const wrongSerial = await rejection(sts(superadmin).send(new GetSessionTokenCommand({ SerialNumber: 'arn:aws:iam::100000000003:mfa/other', TokenCode: '123456' })));
  assert.is(wrongSerial.name, 'AccessDenied');
  const fromSession = await rejection(sts(fromSts(good.Credentials)).send(new GetSessionTokenCommand({})));
  assert.is(fromSession.name, 'AccessDenied');
  const entries = fake.requests().filter((e) => e.op === 'GetSessionToken');
  assert.equal(entries.map((e) => [e.status, e.user]), [[200, 'superadmin'], [403, 'superadmin'], [403, 'superadmin'], [403, 'superadmin']]);
});

test('AssumeRoleWithWebIdentity with an ID token from /__github/token', async () => {
  const res = await githubJwt(fake);
  assert.is(res.status, 200);
  const { value: jwt } = (await res.json()) as { value: string };
  const claims = JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString());
  assert.equal([claims.iss, claims.aud, claims.sub], ['https://token.actions.githubusercontent.com', 'sts.amazonaws.com', 'repo:acme/infra:ref:refs/heads/main']);
  assert.ok(claims.exp > Date.now() / 1000);

  // No credentials at all: the operation is unsigned.
  const r = await sts().send(new AssumeRoleWithWebIdentityCommand({ RoleArn: ROLE, RoleSessionName: 'gha-1', WebIdentityToken: jwt }));
  assert.is(r.SubjectFromWebIdentityToken, 'repo:acme/infra:ref:refs/heads/main');
  assert.is(r.AssumedRoleUser!.Arn, `arn:aws:sts::${PLAT_DEV}:assumed-role/acme-plat-dev-terraform/gha-1`);
  assert.is(r.Audience, 'sts.amazonaws.com');
  const id = await sts(fromSts(r.Credentials)).send(new GetCallerIdentityCommand({}));
  assert.is(id.Arn, r.AssumedRoleUser!.Arn);

  const wrongAud = (await (await githubJwt(fake, 'other')).json()) as { value: string };
  const e1 = await rejection(sts().send(new AssumeRoleWithWebIdentityCommand({ RoleArn: ROLE, RoleSessionName: 'gha', WebIdentityToken: wrongAud.value })));
  assert.instance(e1, InvalidIdentityTokenException);
  assert.is(e1.message, 'Incorrect token audience');
  const forged = jwt.slice(0, -4) + (jwt.endsWith('AAAA') ? 'BBBB' : 'AAAA');
  const e2 = await rejection(sts().send(new AssumeRoleWithWebIdentityCommand({ RoleArn: ROLE, RoleSessionName: 'gha', WebIdentityToken: forged })));
  assert.instance(e2, InvalidIdentityTokenException);
  assert.is((await githubJwt(fake, 'sts.amazonaws.com', 'wrong')).status, 401);
  assert.is(fake.count('GitHubToken'), 3);
});

test('AssumeRoleWithWebIdentity: subject not allowed -> AccessDenied; expired token -> ExpiredTokenException', async () => {
  const f = await startFakeAws({ scenario: { github: { subject: 'repo:acme/infra:ref:refs/heads/feature' } } });
  try {
    const { value } = (await (await githubJwt(f)).json()) as { value: string };
    const e = await rejection(sts(undefined, f.url).send(new AssumeRoleWithWebIdentityCommand({ RoleArn: ROLE, RoleSessionName: 'gha', WebIdentityToken: value })));
    assert.is(e.name, 'AccessDenied');
    assert.is(e.message, 'Not authorized to perform sts:AssumeRoleWithWebIdentity');
    // The planner role takes any ref.
    assert.ok((await sts(undefined, f.url).send(new AssumeRoleWithWebIdentityCommand({ RoleArn: PLANNER, RoleSessionName: 'gha', WebIdentityToken: value }))).Credentials);
    await fetch(`${f.url}/__admin/scenario`, { method: 'POST', body: JSON.stringify({ github: { tokenTtl: -1 } }) });
    const old = (await (await githubJwt(f)).json()) as { value: string };
    const x = await rejection(sts(undefined, f.url).send(new AssumeRoleWithWebIdentityCommand({ RoleArn: PLANNER, RoleSessionName: 'gha', WebIdentityToken: old.value })));
    assert.instance(x, ExpiredTokenException);
    assert.match(x.message, /^Token expired/);
  } finally {
    await f.close();
  }
});

test('STS faults: Throttling and 5xx in XML, delay', async () => {
  fake.fault({ op: 'GetCallerIdentity', errorType: 'Throttling', times: 1 });
  const e = await rejection(sts(superadmin).send(new GetCallerIdentityCommand({})));
  assert.is(e.name, 'Throttling');
  assert.is(e.message, 'Rate exceeded');
  assert.is(e.$metadata.httpStatusCode, 400);
  fake.fault({ op: 'AssumeRole', status: 500, times: 1 });
  const e5 = await rejection(sts(superadmin).send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'ss' })));
  assert.is(e5.name, 'InternalFailure');
  assert.is(e5.$metadata.httpStatusCode, 500);
  // The SDK's default retries ride over a single transient failure.
  fake.fault({ op: 'GetCallerIdentity', errorType: 'Throttling', times: 1 });
  const retried = new STSClient({ region: 'us-east-1', credentials: superadmin, maxAttempts: 3 });
  assert.is((await retried.send(new GetCallerIdentityCommand({}))).Account, SUPERADMIN.accountId);
  fake.fault({ op: 'GetCallerIdentity', delayMs: 300, times: 1 });
  assert.is((await sts(superadmin).send(new GetCallerIdentityCommand({}))).Account, SUPERADMIN.accountId);
  assert.equal(fake.requests().map((x) => `${x.op}:${x.status}`), ['GetCallerIdentity:400', 'AssumeRole:500', 'GetCallerIdentity:400', 'GetCallerIdentity:200', 'GetCallerIdentity:200']);
});

test.run();
