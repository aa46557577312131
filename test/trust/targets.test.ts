// Trust pins what a `git pull` can change that matters (issue 11, section 5), end to end with the
// built CLI and the emulator: an allow pins the accounts, permission sets and role ARNs every
// identity of every profile reaches; a pull that points an identity elsewhere stops the hook
// (exit 3, one line naming the identity, the old and the new value, and the allow command) before
// any request; identities and stacks added within pinned accounts pass; the id SSO resolves an
// account name to is pinned the first time and a different later answer stops; a new allow shows
// what changed and accepts it; a version 1 record (endpoints only) is refused until allowed again.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFakeAws } from '../fake-aws/server.ts';
import { cli, parseExports, sandbox } from '../e2e/helpers.ts';

const fake = await startFakeAws();
const sb = sandbox(fake, {}, { allow: false });
const dev = sb.stackDir('plat/dev');
const prod = sb.stackDir('plat/prod');
const developersYaml = join(sb.acme, 'profiles/developers/atmos.yaml');
const superadminYaml = join(sb.acme, 'profiles/superadmin/atmos.yaml');
const developers = readFileSync(developersYaml, 'utf8');
const superadmin = readFileSync(superadminYaml, 'utf8');
const trustDir = join(sb.home, '.config/atmos-auth/trust');
const allowCmd = `atmos-auth allow ${sb.acme}`;

test.after(async () => {
  await fake.close();
  sb.cleanup();
});

/** A profile's YAML with identity `id`'s block (up to the next identity) edited by `edit`. */
function editIdentity(text: string, id: string, edit: (block: string) => string): string {
  const start = text.indexOf(`    ${id}:\n`);
  assert.ok(start >= 0, `identity ${id} in the profile`);
  const next = /\n {4}[^ \n]/g;
  next.lastIndex = start + 1;
  const m = next.exec(text);
  const end = m ? m.index + 1 : text.length;
  return text.slice(0, start) + edit(text.slice(start, end)) + text.slice(end);
}

const record = () => {
  const files = readdirSync(trustDir).filter((f) => f.endsWith('.json'));
  assert.is(files.length, 1);
  return JSON.parse(readFileSync(join(trustDir, files[0]!), 'utf8')) as { targets: string[]; identities: Record<string, number[]>; accounts: Record<string, Record<string, string>>; pendingAccounts: Record<string, Record<string, string>> };
};

async function refused(cwd: string, env: Record<string, string> = {}): Promise<string> {
  fake.clearLog();
  const r = await cli(sb, ['export', '--format', 'bash'], { cwd, env });
  assert.is(r.code, 3, r.stderr);
  assert.is(r.stdout, '');
  assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.ok(r.stderr.includes(allowCmd), r.stderr);
  assert.is(fake.requests().length, 0, 'no request before the refusal');
  return r.stderr;
}

async function passes(cwd: string, env: Record<string, string> = {}): Promise<Record<string, string>> {
  const r = await cli(sb, ['export', '--format', 'bash'], { cwd, env });
  assert.is(r.code, 0, r.stderr);
  const v = parseExports(r.stdout);
  assert.ok(v.AWS_SECRET_ACCESS_KEY, r.stdout);
  return v;
}

function restore(): void {
  writeFileSync(developersYaml, developers);
  writeFileSync(superadminYaml, superadmin);
}

test('allow prints the accounts and roles it pins, and records which identity reaches which', async () => {
  const a = await cli(sb, ['allow'], { cwd: dev });
  assert.is(a.code, 0, a.stderr);
  assert.match(a.stdout, /and reach these accounts and roles/);
  assert.match(a.stdout, /^ {2}account plat-dev, permission set TerraformApplyAccess \(aws\/permission-set\)$/m);
  assert.match(a.stdout, /^ {2}role arn:aws:iam::200000000001:role\/acme-plat-dev-terraform \(aws\/assume-role\)$/m, 'the superadmin and github profiles too');
  const rec = record();
  const own = rec.identities['plat-dev/terraform']!.map((i) => rec.targets[i]);
  assert.ok(own.includes(JSON.stringify(['aws/permission-set', 'name', 'plat-dev', 'TerraformApplyAccess'])), JSON.stringify(own));
  assert.ok(own.includes(JSON.stringify(['aws/assume-role', 'arn:aws:iam::200000000001:role/acme-plat-dev-terraform'])));
  const l = await cli(sb, ['allowed'], { cwd: sb.home });
  assert.match(l.stdout, /reaches account plat-prod, permission set TerraformPlanAccess \(aws\/permission-set\)/);
});

test('the first SSO resolution of an account name is pinned with it', async () => {
  await passes(dev);
  assert.is(fake.count('ListAccounts'), 1);
  assert.is(record().accounts['https://acme.awsapps.com/start/']?.['plat-dev'], '200000000001');
  const l = await cli(sb, ['allowed'], { cwd: sb.home });
  assert.match(l.stdout, /reaches account plat-dev, permission set TerraformApplyAccess \(aws\/permission-set; 200000000001 through SSO\)/);
});

test('a pull that changes a permission set stops the hook, naming identity, old and new value', async () => {
  writeFileSync(developersYaml, editIdentity(developers, 'plat-dev/terraform', (b) => b.replace('TerraformApplyAccess', 'AdministratorAccess')));
  const e = await refused(dev);
  assert.ok(e.includes(`${sb.acme}: identity plat-dev/terraform: permission set changed from TerraformApplyAccess or TerraformPlanAccess to AdministratorAccess since you allowed it; check the change, then allow it again: ${allowCmd}`), e);
  restore();
});

test('a pull that changes an account (name to id) stops the hook', async () => {
  writeFileSync(developersYaml, editIdentity(developers, 'plat-prod/terraform', (b) => b.replace('name: plat-prod', 'id: "999999999999"')));
  const e = await refused(prod);
  assert.ok(e.includes('identity plat-prod/terraform: account changed from plat-prod to 999999999999 since you allowed it'), e);
  restore();
});

test('a pull that changes a role ARN stops the hook (superadmin profile: aws/user -> aws/assume-role)', async () => {
  writeFileSync(superadminYaml, editIdentity(superadmin, 'plat-dev/terraform', (b) => b.replace('arn:aws:iam::200000000001:role/acme-plat-dev-terraform', 'arn:aws:iam::999999999999:role/exfiltrate')));
  const e = await refused(dev, { ATMOS_PROFILE: 'superadmin' });
  // Other profiles (github-plan) map the identity to the planner role: both are named.
  assert.ok(e.includes('identity plat-dev/terraform: role changed from arn:aws:iam::200000000001:role/acme-plat-dev-planner or arn:aws:iam::200000000001:role/acme-plat-dev-terraform to arn:aws:iam::999999999999:role/exfiltrate since you allowed it'), e);
  restore();
});

test('an identity added in a new account stops the hook; one in a pinned account passes', async () => {
  const add = (name: string, account: string) => `${developers}    ${name}:\n      kind: aws/permission-set\n      via:\n        provider: acme-sso\n      principal:\n        name: TerraformApplyAccess\n        account:\n          name: ${account}\n`;
  writeFileSync(developersYaml, add('evil/terraform', 'attacker-state'));
  // ATMOS_IDENTITY from the environment is not explicit: the hook passes it on.
  const e = await refused(dev, { ATMOS_IDENTITY: 'evil/terraform' });
  assert.ok(e.includes('identity evil/terraform (new since you allowed it): aws/permission-set account attacker-state, permission set TerraformApplyAccess is not among the accounts and roles you allowed'), e);
  writeFileSync(developersYaml, add('plat-dev/extra', 'plat-dev'));
  const v = await passes(dev, { ATMOS_IDENTITY: 'plat-dev/extra' });
  assert.is(v.ATMOS_AUTH_IDENTITY, 'plat-dev/extra');
  restore();
});

test('a stack added in a pinned account passes without a new allow', async () => {
  const qa = sb.stackDir('plat/qa');
  mkdirSync(qa, { recursive: true });
  writeFileSync(join(qa, 'us-east-2.yaml'), 'import:\n  - orgs/acme/plat/dev/_defaults\n  - mixins/region/us-east-2\n\nvars:\n  stage: qa\n');
  try {
    const v = await passes(qa);
    assert.is(v.ATMOS_AUTH_IDENTITY, 'plat-dev/terraform');
    assert.is(v.ATMOS_AUTH_STACK, 'plat-use2-qa');
  } finally {
    rmSync(qa, { recursive: true, force: true });
  }
});

test('an account name that SSO now resolves to another id stops the hook; allow shows and accepts it', async () => {
  const acct = fake.scenario.accounts.find((x) => x.accountName === 'plat-dev')!;
  acct.accountId = '299999999999';
  fake.scenario.users[0]!.assignments.push({ accountId: '299999999999', roleName: 'TerraformApplyAccess' });
  // Fresh: no cached credentials or account list, so the fetch asks SSO again.
  rmSync(join(sb.home, '.cache/atmos-auth/credentials'), { recursive: true, force: true });
  for (const f of readdirSync(join(sb.home, '.cache/atmos-auth/sso'))) if (f.startsWith('accounts-')) rmSync(join(sb.home, '.cache/atmos-auth/sso', f));
  fake.clearLog();
  const r = await cli(sb, ['export', '--format', 'bash'], { cwd: dev });
  assert.is(r.code, 3, r.stderr);
  assert.is(r.stdout, '');
  assert.ok(r.stderr.includes('identity plat-dev/terraform: account plat-dev now resolves to 299999999999 through SSO (acme-sso), it resolved to 200000000001 since you allowed it'), r.stderr);
  assert.ok(r.stderr.includes(allowCmd), r.stderr);
  assert.is(fake.count('ListAccounts'), 1);
  assert.is(fake.count('GetRoleCredentials'), 0, 'no credentials of the new account were fetched');
  assert.is(record().pendingAccounts['https://acme.awsapps.com/start/']?.['plat-dev'], '299999999999');
  const a = await cli(sb, ['allow'], { cwd: dev });
  assert.is(a.code, 0, a.stderr);
  assert.match(a.stdout, /changed since the previous allow \(accepted now\):\n(.*\n)*  account plat-dev \(https:\/\/acme\.awsapps\.com\/start\/\): SSO now resolves it to 299999999999, was 200000000001/);
  assert.is(record().accounts['https://acme.awsapps.com/start/']?.['plat-dev'], '299999999999');
  fake.clearLog();
  await passes(dev);
  assert.is(fake.count('GetRoleCredentials'), 1);
  // Resolved, the name counts for its id: the same permission set by id needs no new allow.
  writeFileSync(developersYaml, editIdentity(developers, 'plat-dev/terraform', (b) => b.replace('name: plat-dev', 'id: "299999999999"')));
  assert.is((await passes(dev)).ATMOS_AUTH_IDENTITY, 'plat-dev/terraform');
  writeFileSync(developersYaml, editIdentity(developers, 'plat-dev/terraform', (b) => b.replace('name: plat-dev', 'id: "200000000001"')));
  assert.ok((await refused(dev)).includes('account changed from plat-dev to 200000000001'), 'the id it no longer resolves to is not pinned');
  restore();
});

test('a new allow shows what changed since the previous one, then accepts it', async () => {
  fake.scenario.users[0]!.assignments.push({ accountId: '299999999999', roleName: 'AdministratorAccess' });
  writeFileSync(developersYaml, editIdentity(developers, 'plat-dev/terraform', (b) => b.replace('TerraformApplyAccess', 'AdministratorAccess')));
  await refused(dev);
  const a = await cli(sb, ['allow'], { cwd: dev });
  assert.is(a.code, 0, a.stderr);
  assert.match(a.stdout, /^allowed .* \(again\)/);
  assert.match(a.stdout, /^ {2}account plat-dev, permission set AdministratorAccess \(aws\/permission-set\) {3}\[new\]$/m);
  assert.match(a.stdout, /^ {2}identity plat-dev\/terraform: permission set changed from TerraformApplyAccess or TerraformPlanAccess to AdministratorAccess$/m);
  const v = await passes(dev);
  assert.is(v.ATMOS_AUTH_ACCESS, 'admin');
  restore();
  const again = await cli(sb, ['allow'], { cwd: dev });
  assert.match(again.stdout, /^ {2}account plat-dev, permission set AdministratorAccess \(aws\/permission-set\) {3}\[no longer allowed\]$/m);
});

test('a version 1 record (endpoints only) is refused until allowed again', async () => {
  rmSync(trustDir, { recursive: true, force: true });
  const legacy = join(sb.home, '.config/atmos-auth/trust.json');
  const v1 = { version: 1, repos: { [sb.acme]: { root: sb.acme, allowedAt: '2026-01-01T00:00:00.000Z', pins: [{ kind: 'aws/iam-identity-center', name: 'acme-sso', values: { start_url: 'https://acme.awsapps.com/start/', region: 'us-east-1' } }] } } };
  writeFileSync(legacy, JSON.stringify(v1), { mode: 0o600 });
  const e = await refused(dev);
  assert.ok(e.includes(`${sb.acme} was allowed by an older atmos-auth, which pinned sign-in endpoints only: atmos-auth now pins accounts and roles too; review its configuration, then allow it again: ${allowCmd}`), e);
  const l = await cli(sb, ['allowed'], { cwd: sb.home });
  assert.match(l.stdout, /allowed by an older atmos-auth \(sign-in endpoints only\): not trusted until you run `atmos-auth allow` in it again/);
  const j = JSON.parse((await cli(sb, ['allowed', '--json'], { cwd: sb.home })).stdout) as { version: number; root: string; needsAllow?: boolean }[];
  assert.equal(j.map((x) => [x.version, x.root, x.needsAllow]), [[1, sb.acme, true]]);
  const a = await cli(sb, ['allow'], { cwd: dev });
  assert.is(a.code, 0, a.stderr);
  assert.match(a.stdout, /older atmos-auth that pinned sign-in endpoints only: accounts and roles are pinned now/);
  assert.not.ok(readdirSync(join(sb.home, '.config/atmos-auth')).includes('trust.json'), 'the version 1 file is gone once empty');
  await passes(dev);
});

test('deny removes a version 2 record and a version 1 entry alike', async () => {
  const d = await cli(sb, ['deny'], { cwd: dev });
  assert.match(d.stdout, new RegExp(`denied ${sb.acme}`));
  assert.equal(readdirSync(trustDir), []);
  await refused(dev);
});

test.run();
