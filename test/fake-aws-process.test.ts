// The emulator as its own process (node test/fake-aws/main.ts), driven through the admin API from
// this process, and a wire check with a client nobody here wrote: Python botocore/boto3.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tempDir } from './helpers/tmp.ts';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SSOClient, GetRoleCredentialsCommand, TooManyRequestsException, UnauthorizedException } from '@aws-sdk/client-sso';
import { SSOOIDCClient, CreateTokenCommand, InvalidGrantException } from '@aws-sdk/client-sso-oidc';
import { ssoLogin } from './fake-aws/helpers.ts';
import type { FakeAws, RequestLogEntry } from './fake-aws/server.ts';
import { rejection } from './helpers/rejection.ts';

const mainTs = fileURLToPath(new URL('./fake-aws/main.ts', import.meta.url));
const PLAT_DEV = '200000000001';
const tmp = tempDir('fake-aws-proc-');

let child: ChildProcess;
let url = '';
let stdout = '';
let stderr = '';
let exited: Promise<number | null>;

/** Just what ssoLogin and the SDK clients need from a FakeAws. */
const remote = () => ({ url }) as FakeAws;
const admin = async (path: string, body?: unknown): Promise<unknown> => {
  const r = await fetch(`${url}/__admin/${path}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) });
  assert.is(r.status, 200, `admin ${path}`);
  return r.json();
};
const sso = () => new SSOClient({ region: 'us-east-1', endpoint: url, maxAttempts: 1 });

test.before(async () => {
  const scenario = join(tmp, 'scenario.yaml');
  writeFileSync(scenario, ['# a YAML scenario', 'pageSize: 4', 'roleCredentialsTtl: 1800', 'loginAs: alice', ''].join('\n'));
  const home = tempDir('fake-aws-home-');
  Object.assign(process.env, { HOME: home, AWS_CONFIG_FILE: join(home, 'config'), AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'), AWS_EC2_METADATA_DISABLED: 'true' });
  child = spawn(process.execPath, [mainTs, '--scenario', scenario, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  exited = new Promise((r) => child.on('exit', (code) => r(code)));
  child.stderr!.on('data', (d) => (stderr += d));
  url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      stdout += d;
      const m = /^FAKE_AWS_URL=(http:\/\/127\.0\.0\.1:\d+)\n/.exec(stdout);
      if (m) resolve(m[1]!);
    });
    child.on('exit', () => reject(new Error(`main.ts exited: ${stderr}`)));
  });
});

test.after(async () => {
  if (child.exitCode === null) child.kill('SIGKILL');
});

test('standalone: admin API counts, faults, revokes, clears and changes the scenario', async () => {
  const login = await ssoLogin(remote());
  assert.is(await admin('count?op=CreateToken'), 1);
  assert.is(await admin('count?op=Authorize'), 1);
  const log = (await admin('requests')) as RequestLogEntry[];
  assert.equal(log.map((e) => e.op), ['RegisterClient', 'Authorize', 'CreateToken']);

  const get = () => sso().send(new GetRoleCredentialsCommand({ accessToken: login.accessToken, accountId: PLAT_DEV, roleName: 'TerraformApplyAccess' }));
  const first = await get();
  assert.ok(Math.abs(first.roleCredentials!.expiration! - Date.now() - 1800_000) < 60_000, 'YAML scenario applied');
  await admin('scenario', { roleCredentialsTtl: 900 });
  assert.ok(Math.abs((await get()).roleCredentials!.expiration! - Date.now() - 900_000) < 60_000, 'scenario changed at runtime');

  await admin('fault', { op: 'GetRoleCredentials', status: 429, times: 1 });
  assert.instance(await rejection(get()), TooManyRequestsException);
  await admin('fault', { op: 'GetRoleCredentials', status: 500 });
  assert.is((await rejection(get())).$metadata.httpStatusCode, 500);
  await admin('clear-faults', {});
  assert.ok((await get()).roleCredentials);

  await admin('clear-log', {});
  assert.equal(await admin('requests'), []);

  await admin('expire-refresh-tokens', {});
  const oidc = new SSOOIDCClient({ region: 'us-east-1', endpoint: url, maxAttempts: 1 });
  const refresh = await rejection(oidc.send(new CreateTokenCommand({ clientId: login.clientId, clientSecret: login.clientSecret, grantType: 'refresh_token', refreshToken: login.refreshToken! })));
  assert.instance(refresh, InvalidGrantException);

  assert.equal(await admin('revoke', { user: 'alice' }), { ok: true, revoked: 1 });
  assert.instance(await rejection(get()), UnauthorizedException);
  assert.is(await admin('count?op=GetRoleCredentials'), 1);

  const bad = await fetch(`${url}/__admin/fault`, { method: 'POST', body: '{"status":500}' });
  assert.is(bad.status, 400);

  // stderr has the request log and no secret.
  assert.match(stderr, /fake-aws: CreateToken 200 grantType=authorization_code user=alice/);
  for (const s of [login.accessToken, login.refreshToken!, login.clientSecret, first.roleCredentials!.secretAccessKey!, first.roleCredentials!.sessionToken!]) {
    assert.not.ok(stderr.includes(s));
  }
});

test('botocore/boto3 against the emulator: SSO portal, STS signed by botocore, SSO OIDC refresh', async () => {
  const login = await ssoLogin(remote());
  const py = `
import json, os, boto3
from botocore.exceptions import ClientError
url = os.environ['FAKE_URL']
s = boto3.session.Session(region_name='us-east-1')
out = {}
sso = s.client('sso', endpoint_url=url)
rc = sso.get_role_credentials(roleName='TerraformApplyAccess', accountId='${PLAT_DEV}', accessToken=os.environ['SSO_TOKEN'])['roleCredentials']
out['keyPrefix'] = rc['accessKeyId'][:4]
out['expirationIsMs'] = rc['expiration'] > 10**12
sts = s.client('sts', endpoint_url=url, aws_access_key_id=rc['accessKeyId'], aws_secret_access_key=rc['secretAccessKey'], aws_session_token=rc['sessionToken'])
ident = sts.get_caller_identity()
out['arn'] = ident['Arn']
out['account'] = ident['Account']
accounts = []
for page in sso.get_paginator('list_accounts').paginate(accessToken=os.environ['SSO_TOKEN']):
    accounts += [a['accountName'] for a in page['accountList']]
out['accounts'] = len(accounts)
def err(f):
    try:
        f()
        return None
    except ClientError as e:
        return [e.response['Error']['Code'], e.response['Error'].get('Message'), e.response['ResponseMetadata']['HTTPStatusCode']]
out['forbidden'] = err(lambda: sso.get_role_credentials(roleName='AdministratorAccess', accountId='${PLAT_DEV}', accessToken=os.environ['SSO_TOKEN']))
out['denied'] = err(lambda: sts.assume_role(RoleArn='arn:aws:iam::${PLAT_DEV}:role/acme-plat-dev-planner', RoleSessionName='x1'))
bad = s.client('sts', endpoint_url=url, aws_access_key_id=rc['accessKeyId'], aws_secret_access_key='wrong', aws_session_token=rc['sessionToken'])
out['badsig'] = err(lambda: bad.get_caller_identity())
oidc = s.client('sso-oidc', endpoint_url=url)
t = oidc.create_token(clientId=os.environ['CLIENT_ID'], clientSecret=os.environ['CLIENT_SECRET'], grantType='refresh_token', refreshToken=os.environ['REFRESH_TOKEN'])
out['refreshed'] = bool(t['accessToken']) and t['refreshToken'] != os.environ['REFRESH_TOKEN']
out['reused'] = err(lambda: oidc.create_token(clientId=os.environ['CLIENT_ID'], clientSecret=os.environ['CLIENT_SECRET'], grantType='refresh_token', refreshToken=os.environ['REFRESH_TOKEN']))
print(json.dumps(out))
`;
  const r = spawnSync('python3', ['-c', py], {
    encoding: 'utf8',
    timeout: 60_000,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? tmp,
      AWS_CONFIG_FILE: join(tmp, 'none'),
      AWS_SHARED_CREDENTIALS_FILE: join(tmp, 'none'),
      AWS_EC2_METADATA_DISABLED: 'true',
      FAKE_URL: url,
      SSO_TOKEN: login.accessToken,
      REFRESH_TOKEN: login.refreshToken!,
      CLIENT_ID: login.clientId,
      CLIENT_SECRET: login.clientSecret,
    },
  });
  assert.is(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
  assert.equal(out, {
    keyPrefix: 'ASIA',
    expirationIsMs: true,
    arn: out.arn,
    account: PLAT_DEV,
    accounts: 10,
    forbidden: ['ForbiddenException', 'No access', 403],
    denied: ['AccessDenied', out.denied?.[1], 403],
    badsig: ['SignatureDoesNotMatch', out.badsig?.[1], 403],
    refreshed: true,
    reused: ['InvalidGrantException', out.reused?.[1], 400],
  });
  assert.match(out.arn, /^arn:aws:sts::200000000001:assumed-role\/AWSReservedSSO_TerraformApplyAccess_[0-9a-f]{16}\/alice$/);
  assert.match(out.denied[1], /^User: arn:aws:sts::200000000001:assumed-role\/.* is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::200000000001:role\/acme-plat-dev-planner$/);
  assert.match(out.badsig[1], /does not match/);
});

test('standalone: one stdout line, exits 0 on SIGTERM', async () => {
  child.kill('SIGTERM');
  assert.is(await exited, 0);
  assert.is(stdout, `FAKE_AWS_URL=${url}\n`);
});

test.run();
