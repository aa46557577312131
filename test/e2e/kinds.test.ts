// Identity kinds beyond permission sets, roles and users (issue 12, section 3), end to end through
// the built CLI and the emulator: aws/assume-root (STS AssumeRoot with the previous hop's
// credentials), aws/ambient and ambient (the environment's own credentials, never cleared), and
// the kinds Atmos has that atmos-auth only names (resolve, list, export's exit status 4).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SUPERADMIN } from '../fake-aws/scenario.ts';
import { startFakeAws } from '../fake-aws/server.ts';
import { cli, parseExports, sandbox } from './helpers.ts';
import { writeKindsProfile } from './kinds-fixture.ts';

const AUDIT = 'arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials';

const fake = await startFakeAws();
// No allow yet: the profile must exist first (allow pins what the profiles can reach).
const sb = sandbox(fake, { ATMOS_PROFILE: 'kinds' }, { allow: false });
writeKindsProfile(sb.acme);
{
  const r = await cli(sb, ['allow', sb.acme]);
  if (r.code !== 0) throw new Error(`allow failed: ${r.stderr}`);
}

test.after(async () => {
  await fake.close();
  sb.cleanup();
});

test('resolve names an unsupported kind and what to run instead; export exits 4 with empty stdout', async () => {
  const res = await cli(sb, ['resolve'], { cwd: sb.stackDir('plat/dev') });
  assert.is(res.code, 0, res.stderr);
  assert.match(res.stdout, /azure\/subscription: not supported by atmos-auth/);
  assert.match(res.stdout, /atmos auth exec -i plat-dev\/terraform -- <command>, or atmos auth shell -i plat-dev\/terraform/);
  fake.clearLog();
  const ex = await cli(sb, ['export', '--format', 'zsh'], { cwd: sb.stackDir('plat/dev') });
  assert.is(ex.code, 4);
  assert.is(ex.stdout, '');
  assert.match(ex.stderr, /identity plat-dev\/terraform uses azure\/subscription \(plat-dev\/terraform\), which atmos-auth does not implement: nothing exported/);
  assert.match(ex.stderr, /atmos auth exec -i plat-dev\/terraform -- <command>/);
  assert.equal(fake.requests(), [], 'no request for an unsupported identity');
  // Said once: the hook sets ATMOS_AUTH_UNSUPPORTED_SAID afterwards; the status stays 4.
  const quiet = await cli(sb, ['export', '--format', 'zsh'], { cwd: sb.stackDir('plat/dev'), env: { ATMOS_AUTH_UNSUPPORTED_SAID: '1' } });
  assert.is(quiet.code, 4);
  assert.is(quiet.stdout, '');
  assert.is(quiet.stderr, '');
});

test('an unsupported identity in a repository not allowed: the hook reads nothing there, so the answer is the allow hint; once allowed, the kind\'s advice', async () => {
  const other = sandbox(fake, { ATMOS_PROFILE: 'kinds' }, { allow: false });
  try {
    writeKindsProfile(other.acme);
    const ex = await cli(other, ['export'], { cwd: other.stackDir('plat/dev') });
    assert.is(ex.code, 3, ex.stderr);
    assert.is(ex.stdout, '');
    assert.match(ex.stderr, /atmos-auth allow/);
    assert.is((await cli(other, ['allow', other.acme])).code, 0);
    const after = await cli(other, ['export'], { cwd: other.stackDir('plat/dev') });
    assert.is(after.code, 4, after.stderr);
    assert.is(after.stdout, '');
    assert.match(after.stderr, /atmos auth exec -i plat-dev\/terraform/);
  } finally {
    other.cleanup();
  }
});

test('list shows unsupported kinds with a marker instead of failing', async () => {
  const r = await cli(sb, ['list', '--json'], { cwd: sb.acme });
  assert.is(r.code, 0, r.stderr);
  const items = (JSON.parse(r.stdout) as { identities: Array<{ name: string; kind: string; unsupported?: string; via: string | null }> }).identities;
  const by = (n: string) => items.find((i) => i.name === n);
  assert.equal({ kind: by('plat-dev/terraform')?.kind, unsupported: by('plat-dev/terraform')?.unsupported, via: by('plat-dev/terraform')?.via }, { kind: 'azure/subscription', unsupported: 'azure/subscription', via: 'azure' });
  assert.is(by('gcp-sa')?.unsupported, 'gcp/service-account');
  assert.is(by('local-emulator')?.unsupported, 'aws/emulator');
  assert.is(by('local-emulator')?.via, null);
  assert.is(by('plat-sandbox/terraform')?.kind, 'aws/assume-root');
  assert.is(by('plat-sandbox/terraform')?.unsupported, undefined);
  assert.is(by('plat-staging/terraform')?.kind, 'aws/ambient');
  assert.is(by('passthrough')?.kind, 'ambient');
  const text = await cli(sb, ['list'], { cwd: sb.acme });
  assert.is(text.code, 0, text.stderr);
  assert.match(text.stdout, /plat-dev\/terraform\s+azure\/subscription\s+\[not supported: azure\/subscription; use atmos auth exec -i plat-dev\/terraform\]/);
  assert.match(text.stdout, /plat-sandbox\/terraform\s+aws\/assume-root\s+root of 200000000000 \(IAMAuditRootUserCredentials\)/);
  assert.match(text.stdout, /plat-staging\/terraform\s+aws\/ambient\s+the environment's AWS credentials/);
  assert.match(text.stdout, /passthrough\s+ambient\s+the environment as it is/);
});

test('aws/assume-root: AssumeRoot with the permission set credentials, duration capped at 900, task policy passed', async () => {
  fake.clearLog();
  const r = await cli(sb, ['export', '--format', 'zsh'], { cwd: sb.stackDir('plat/sandbox') });
  assert.is(r.code, 0, r.stderr);
  const env = parseExports(r.stdout);
  assert.is(env.ATMOS_AUTH_IDENTITY, 'plat-sandbox/terraform');
  assert.match(env.AWS_ACCESS_KEY_ID ?? '', /^ASIA/);
  const log = fake.requests();
  const roleCreds = log.find((e) => e.op === 'GetRoleCredentials');
  const root = log.find((e) => e.op === 'AssumeRoot');
  assert.ok(roleCreds && root, JSON.stringify(log.map((e) => e.op)));
  assert.is(root.status, 200, root.errorType);
  // Signed with the credentials of the previous hop: the TerraformApplyAccess session in core-root.
  assert.is(roleCreds.accountId, '100000000000');
  assert.is(roleCreds.roleName, 'TerraformApplyAccess');
  assert.match(root.callerArn ?? '', /^arn:aws:sts::100000000000:assumed-role\/AWSReservedSSO_TerraformApplyAccess_[0-9a-f]+\/alice$/);
  assert.is(root.accountId, '200000000000');
  assert.is(root.taskPolicyArn, AUDIT);
  assert.is(root.durationSeconds, 900);
  // The root session lives at most 15 minutes.
  const left = (Date.parse(env.AWS_CREDENTIAL_EXPIRATION ?? '') - Date.now()) / 1000;
  assert.ok(left > 800 && left <= 900, `left ${left}`);
  // Cached although under the usual 15 minutes left: a root session never has more.
  fake.clearLog();
  const again = await cli(sb, ['export', '--format', 'zsh'], { cwd: sb.stackDir('plat/sandbox') });
  assert.is(again.code, 0, again.stderr);
  assert.is(parseExports(again.stdout).AWS_ACCESS_KEY_ID, env.AWS_ACCESS_KEY_ID);
  assert.equal(fake.requests(), []);
  const who = await cli(sb, ['whoami', '--json'], { cwd: sb.stackDir('plat/sandbox') });
  assert.is(who.code, 0, who.stderr);
  assert.is((JSON.parse(who.stdout) as { arn: string }).arn, 'arn:aws:iam::200000000000:root');
});

test('aws/assume-root of 5 minutes: never reused (under the 6 minutes a root session must have left)', async () => {
  fake.clearLog();
  for (let i = 0; i < 2; i++) {
    const r = await cli(sb, ['export', '--identity', 'plat-sandbox/short'], { cwd: sb.stackDir('plat/sandbox') });
    assert.is(r.code, 0, r.stderr);
  }
  const roots = fake.requests().filter((e) => e.op === 'AssumeRoot');
  assert.equal(roots.map((e) => [e.status, e.durationSeconds]), [[200, 300], [200, 300]]);
});

test('whoami for aws/ambient: the environment keys themselves', async () => {
  const r = await cli(sb, ['whoami', '--json', '--identity', 'plat-staging/terraform'], { env: { AWS_ACCESS_KEY_ID: SUPERADMIN.accessKeyId, AWS_SECRET_ACCESS_KEY: SUPERADMIN.secretAccessKey } });
  assert.is(r.code, 0, r.stderr);
  assert.is((JSON.parse(r.stdout) as { arn: string }).arn, `arn:aws:iam::${SUPERADMIN.accountId}:user/${SUPERADMIN.userName}`);
});

test('aws/assume-root from an account that may not: the refusal names the account and what to check', async () => {
  fake.clearLog();
  const r = await cli(sb, ['export', '--identity', 'plat-sandbox/from-dev'], { cwd: sb.stackDir('plat/sandbox') });
  assert.is(r.code, 1);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /plat-sandbox\/from-dev/);
  assert.match(r.stderr, /AssumeRoot on account 200000000000 was refused \(sts:AssumeRoot, AccessDenied\)/);
  assert.match(r.stderr, /centralized root access/);
  assert.ok(fake.requests().some((e) => e.op === 'AssumeRoot' && e.errorType === 'AccessDenied' && /200000000001/.test(e.callerArn ?? '')));
});

test('aws/ambient: the environment credentials and AWS_PROFILE are kept; markers and principal.region are set', async () => {
  fake.clearLog();
  const r = await cli(sb, ['export', '--format', 'zsh'], {
    cwd: sb.stackDir('plat/staging'),
    env: { AWS_ACCESS_KEY_ID: 'AKIAUSEROWNKEY000001', AWS_SECRET_ACCESS_KEY: 'own-secret', AWS_PROFILE: 'mine' },
  });
  assert.is(r.code, 0, r.stderr);
  assert.not.match(r.stdout, /AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|AWS_PROFILE|AWS_CREDENTIAL_EXPIRATION/);
  const env = parseExports(r.stdout);
  assert.is(env.ATMOS_AUTH_IDENTITY, 'plat-staging/terraform');
  assert.is(env.AWS_REGION, 'eu-west-1');
  assert.is(env.AWS_DEFAULT_REGION, 'eu-west-1');
  assert.equal(fake.requests(), [], 'an ambient identity fetches nothing');
  const json = await cli(sb, ['export', '--format', 'json'], { cwd: sb.stackDir('plat/staging') });
  assert.is(json.code, 0, json.stderr);
  const j = JSON.parse(json.stdout) as Record<string, string | null>;
  assert.is(j.ATMOS_AUTH_IDENTITY, 'plat-staging/terraform');
  assert.not.ok('AWS_ACCESS_KEY_ID' in j || 'AWS_PROFILE' in j);
});

test('ambient: only the markers, no region, no credentials', async () => {
  const r = await cli(sb, ['export', '--identity', 'passthrough'], { cwd: sb.stackDir('plat/staging'), env: { AWS_PROFILE: 'mine' } });
  assert.is(r.code, 0, r.stderr);
  const env = parseExports(r.stdout);
  assert.is(env.ATMOS_AUTH_IDENTITY, 'passthrough');
  assert.is(env.AWS_REGION, undefined);
  assert.not.match(r.stdout, /AWS_ACCESS_KEY_ID|AWS_PROFILE|unset AWS_/);
  // Nothing to ask STS about: whoami says so instead of guessing.
  const who = await cli(sb, ['whoami', '--identity', 'passthrough'], { cwd: sb.stackDir('plat/staging') });
  assert.is(who.code, 1);
  assert.match(who.stderr, /passthrough \(ambient\) has no credentials of its own/);
});

test('aws/ambient -> aws/assume-role: AssumeRole signed with the environment credentials, never cached', async () => {
  const own = { AWS_ACCESS_KEY_ID: SUPERADMIN.accessKeyId, AWS_SECRET_ACCESS_KEY: SUPERADMIN.secretAccessKey };
  for (let round = 0; round < 2; round++) {
    fake.clearLog();
    const r = await cli(sb, ['export', '--format', 'zsh'], { cwd: sb.stackDir('plat/prod'), env: own });
    assert.is(r.code, 0, r.stderr);
    const env = parseExports(r.stdout);
    assert.is(env.ATMOS_AUTH_IDENTITY, 'plat-prod/terraform');
    assert.match(env.AWS_ACCESS_KEY_ID ?? '', /^ASIA/);
    assert.is.not(env.AWS_ACCESS_KEY_ID, SUPERADMIN.accessKeyId);
    const calls = fake.requests().filter((e) => e.op === 'AssumeRole');
    assert.is(calls.length, 1, `round ${round}: one AssumeRole (ambient chains are not cached)`);
    assert.is(calls[0]!.user, 'superadmin');
    assert.is(calls[0]!.roleArn, 'arn:aws:iam::200000000003:role/acme-plat-prod-terraform');
  }
});

test('aws/ambient -> assume-role: the profile of AWS_PROFILE is the source (the SDK default chain)', async () => {
  mkdirSync(join(sb.home, '.aws'), { recursive: true });
  writeFileSync(join(sb.home, '.aws/credentials'), `[breakglass]\naws_access_key_id = ${SUPERADMIN.accessKeyId}\naws_secret_access_key = ${SUPERADMIN.secretAccessKey}\n`, { mode: 0o600 });
  fake.clearLog();
  const r = await cli(sb, ['export', '--format', 'zsh'], { cwd: sb.stackDir('plat/prod'), env: { AWS_PROFILE: 'breakglass' } });
  assert.is(r.code, 0, r.stderr);
  assert.is(parseExports(r.stdout).ATMOS_AUTH_IDENTITY, 'plat-prod/terraform');
  assert.is(fake.requests().find((e) => e.op === 'AssumeRole')?.user, 'superadmin');
});

test('aws/ambient with no credentials in the environment: one line saying where they are looked for', async () => {
  const r = await cli(sb, ['export'], { cwd: sb.stackDir('plat/prod'), env: { AWS_PROFILE: '', AWS_SHARED_CREDENTIALS_FILE: join(sb.dir, 'none'), AWS_CONFIG_FILE: join(sb.dir, 'none-config') } });
  assert.is(r.code, 1);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /plat-staging\/terraform \(aws\/ambient\) found no AWS credentials in the environment/);
  assert.match(r.stderr, /AWS_PROFILE or AWS_ACCESS_KEY_ID/);
});

test('exec: an ambient identity passes the environment through; an unsupported one runs nothing (exit 4)', async () => {
  const r = await cli(sb, ['exec', '--identity', 'plat-staging/terraform', '--', 'sh', '-c', 'echo "$AWS_ACCESS_KEY_ID $AWS_PROFILE $AWS_REGION $ATMOS_AUTH_IDENTITY"'], {
    cwd: sb.stackDir('plat/staging'),
    env: { AWS_ACCESS_KEY_ID: 'AKIAUSEROWNKEY000001', AWS_SECRET_ACCESS_KEY: 'own-secret', AWS_PROFILE: 'mine' },
  });
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, 'AKIAUSEROWNKEY000001 mine eu-west-1 plat-staging/terraform\n');
  const u = await cli(sb, ['exec', '--', 'sh', '-c', 'echo ran'], { cwd: sb.stackDir('plat/dev') });
  assert.is(u.code, 4);
  assert.is(u.stdout, '');
  assert.match(u.stderr, /atmos auth exec -i plat-dev\/terraform/);
});

test.run();
