// The emulator's STS AssumeRoot, driven by the real @aws-sdk/client-sts (AssumeRootCommand): the
// caller is authenticated by SigV4, must be a principal of the management account (or a delegated
// administrator) and not a root session itself; TargetPrincipal, TaskPolicyArn and DurationSeconds
// are checked as the API reference states, with STS-shaped errors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AssumeRootCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { GetRoleCredentialsCommand, SSOClient } from '@aws-sdk/client-sso';
import { startFakeAws, type FakeAws } from './fake-aws/server.ts';
import { ROOT_TASK_POLICIES, SUPERADMIN } from './fake-aws/scenario.ts';
import { isolate, ssoLogin } from './fake-aws/helpers.ts';
import { rejection } from './helpers/rejection.ts';

interface Creds { accessKeyId: string; secretAccessKey: string; sessionToken?: string }
const MGMT = '100000000000';
const SANDBOX = '200000000000';
const AUDIT = 'arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials';

let fake: FakeAws;
let mgmt: Creds;
const sts = (credentials: Creds) => new STSClient({ region: 'us-east-1', maxAttempts: 1, credentials });

async function ssoCreds(roleName: string, accountId: string): Promise<Creds> {
  const login = await ssoLogin(fake);
  const r = await new SSOClient({ region: 'us-east-1', endpoint: fake.url }).send(new GetRoleCredentialsCommand({ accessToken: login.accessToken, accountId, roleName }));
  const c = r.roleCredentials!;
  return { accessKeyId: c.accessKeyId!, secretAccessKey: c.secretAccessKey!, sessionToken: c.sessionToken! };
}

test.before(async () => {
  fake = await startFakeAws();
  isolate(fake);
  mgmt = await ssoCreds('TerraformApplyAccess', MGMT);
});
test.after(async () => {
  await fake.close();
});
test.before.each(() => fake.clearLog());

test('AssumeRoot from the management account: a root session of the member, 900 s by default, logged', async () => {
  const out = await sts(mgmt).send(new AssumeRootCommand({ TargetPrincipal: SANDBOX, TaskPolicyArn: { arn: AUDIT } }));
  const c = out.Credentials!;
  assert.match(c.AccessKeyId!, /^ASIA/);
  const left = (c.Expiration!.getTime() - Date.now()) / 1000;
  assert.ok(left > 890 && left <= 900, `left ${left}`);
  assert.is(out.SourceIdentity ?? '', '');
  const who = await sts({ accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! }).send(new GetCallerIdentityCommand({}));
  assert.is(who.Arn, `arn:aws:iam::${SANDBOX}:root`);
  assert.is(who.Account, SANDBOX);
  const e = fake.requests().find((r) => r.op === 'AssumeRoot')!;
  assert.is(e.status, 200);
  assert.is(e.accountId, SANDBOX);
  assert.is(e.taskPolicyArn, AUDIT);
  assert.is(e.durationSeconds, undefined);
  assert.match(e.callerArn ?? '', new RegExp(`^arn:aws:sts::${MGMT}:assumed-role/AWSReservedSSO_TerraformApplyAccess_`));
});

test('DurationSeconds: up to 900 is honoured, more is a ValidationError', async () => {
  const ok = await sts(mgmt).send(new AssumeRootCommand({ TargetPrincipal: SANDBOX, TaskPolicyArn: { arn: AUDIT }, DurationSeconds: 300 }));
  const left = (ok.Credentials!.Expiration!.getTime() - Date.now()) / 1000;
  assert.ok(left > 290 && left <= 300, `left ${left}`);
  const e = await rejection(sts(mgmt).send(new AssumeRootCommand({ TargetPrincipal: SANDBOX, TaskPolicyArn: { arn: AUDIT }, DurationSeconds: 901 })));
  assert.is(e.name, 'ValidationError');
  assert.is(e.$metadata?.httpStatusCode, 400);
  assert.match(e.message, /durationSeconds.*less than or equal to 900/);
});

test('TargetPrincipal and TaskPolicyArn are checked', async () => {
  const short = await rejection(sts(mgmt).send(new AssumeRootCommand({ TargetPrincipal: '12345', TaskPolicyArn: { arn: AUDIT } })));
  assert.is(short.name, 'ValidationError');
  assert.match(short.message, /targetPrincipal/);
  const notId = await rejection(sts(mgmt).send(new AssumeRootCommand({ TargetPrincipal: 'abcdefghijkl', TaskPolicyArn: { arn: AUDIT } })));
  assert.is(notId.name, 'ValidationError');
  const policy = await rejection(sts(mgmt).send(new AssumeRootCommand({ TargetPrincipal: SANDBOX, TaskPolicyArn: { arn: 'arn:aws:iam::aws:policy/AdministratorAccess' } })));
  assert.is(policy.name, 'ValidationError');
  assert.match(policy.message, /not a supported root task policy/);
  // Every AWS-managed root task policy is accepted.
  for (const arn of ROOT_TASK_POLICIES) {
    const out = await sts(mgmt).send(new AssumeRootCommand({ TargetPrincipal: SANDBOX, TaskPolicyArn: { arn } }));
    assert.ok(out.Credentials?.AccessKeyId, arn);
  }
});

test('only the management account, only members, never from a root session: AccessDenied', async () => {
  const dev = await ssoCreds('TerraformApplyAccess', '200000000001');
  const fromDev = await rejection(sts(dev).send(new AssumeRootCommand({ TargetPrincipal: SANDBOX, TaskPolicyArn: { arn: AUDIT } })));
  assert.is(fromDev.name, 'AccessDenied');
  assert.is(fromDev.$metadata?.httpStatusCode, 403);
  assert.match(fromDev.message, new RegExp(`not authorized to perform: sts:AssumeRoot on resource: arn:aws:iam::${SANDBOX}:root`));
  const plan = await ssoCreds('TerraformPlanAccess', MGMT);
  assert.is((await rejection(sts(plan).send(new AssumeRootCommand({ TargetPrincipal: SANDBOX, TaskPolicyArn: { arn: AUDIT } })))).name, 'AccessDenied');
  const self = await rejection(sts(mgmt).send(new AssumeRootCommand({ TargetPrincipal: MGMT, TaskPolicyArn: { arn: AUDIT } })));
  assert.is(self.name, 'AccessDenied', 'the management account is no member');
  const r = (await sts(mgmt).send(new AssumeRootCommand({ TargetPrincipal: SANDBOX, TaskPolicyArn: { arn: AUDIT } }))).Credentials!;
  const rootCreds = { accessKeyId: r.AccessKeyId!, secretAccessKey: r.SecretAccessKey!, sessionToken: r.SessionToken! };
  assert.is((await rejection(sts(rootCreds).send(new AssumeRootCommand({ TargetPrincipal: '200000000001', TaskPolicyArn: { arn: AUDIT } })))).name, 'AccessDenied');
});

test('the caller is authenticated: unknown key, wrong secret, missing session token', async () => {
  const unknown = await rejection(sts({ accessKeyId: 'AKIANOBODY0000000000', secretAccessKey: 'x' }).send(new AssumeRootCommand({ TargetPrincipal: SANDBOX, TaskPolicyArn: { arn: AUDIT } })));
  assert.is(unknown.name, 'InvalidClientTokenId');
  const badSecret = await rejection(sts({ ...mgmt, secretAccessKey: 'wrong' }).send(new AssumeRootCommand({ TargetPrincipal: SANDBOX, TaskPolicyArn: { arn: AUDIT } })));
  assert.is(badSecret.name, 'SignatureDoesNotMatch');
  const noToken = await rejection(sts({ accessKeyId: mgmt.accessKeyId, secretAccessKey: mgmt.secretAccessKey }).send(new AssumeRootCommand({ TargetPrincipal: SANDBOX, TaskPolicyArn: { arn: AUDIT } })));
  assert.is(noToken.name, 'InvalidClientTokenId');
  // An IAM user of another account: authenticated, but not allowed.
  const user = await rejection(sts({ accessKeyId: SUPERADMIN.accessKeyId, secretAccessKey: SUPERADMIN.secretAccessKey }).send(new AssumeRootCommand({ TargetPrincipal: SANDBOX, TaskPolicyArn: { arn: AUDIT } })));
  assert.is(user.name, 'AccessDenied');
});

test.run();
