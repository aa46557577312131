// Provisioned identities (issue 13 §3), with the built CLI against the emulator: `atmos-auth login`
// for a provider with `auto_provision_identities: true` lists accounts and roles (paginated) and
// writes the file Atmos writes, where Atmos's loader looks for it; `resolve` and `list` see those
// identities beneath the user's own config; exports work with them; a file Atmos wrote is read the
// same way; logout removes it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { startFakeAws } from '../fake-aws/server.ts';
import { ACME_ACCOUNTS } from '../fake-aws/scenario.ts';
import { cli, parseExports, sandbox } from '../e2e/helpers.ts';
import { yamlV3KeyLess, marshalYaml } from '../../src/aws/provisioning.ts';
import { parseYaml } from '../../src/atmos/yaml.ts';

// Pages of 4: ListAccounts needs 3 calls, ListAccountRoles 1 per account (3 roles each).
const fake = await startFakeAws({ scenario: { pageSize: 4 } });
const sb = sandbox(fake);
test.after(async () => {
  await fake.close();
  sb.cleanup();
});

// pkg/auth/provisioning/writer.go:25-28 and pkg/xdg: <XDG_CACHE_HOME>/atmos/auth/<provider>/provisioned-identities.yaml
const provisioned = join(sb.home, '.cache', 'atmos', 'auth', 'acme-sso', 'provisioned-identities.yaml');
const atmosYaml = join(sb.acme, 'atmos.yaml');
const original = readFileSync(atmosYaml, 'utf8');

function setConfig(extra: { autoProvision: boolean; identities?: string }): void {
  let y = original.replace('      region: us-east-1\n      session:', `      region: us-east-1${extra.autoProvision ? '\n      auto_provision_identities: true' : ''}\n      session:`);
  if (extra.identities) y += `  identities:\n${extra.identities}`;
  writeFileSync(atmosYaml, y);
}

const resolveJson = async (identity: string) => {
  const r = await cli(sb, ['resolve', '--json'], { env: { ATMOS_IDENTITY: identity } });
  return { ...r, json: r.code === 0 ? (JSON.parse(r.stdout) as { identity: string; chain: Array<Record<string, unknown>> }) : null };
};

test('without auto_provision_identities nothing is provisioned', async () => {
  setConfig({ autoProvision: false });
  const r = await cli(sb, ['login', '--provider', 'acme-sso']);
  assert.is(r.code, 0, r.stderr);
  assert.not.ok(existsSync(provisioned));
  assert.is(fake.count('ListAccountRoles'), 0);
});

test('before provisioning, a provisioned name is unknown (and the answer is cached)', async () => {
  setConfig({ autoProvision: true });
  const r = await resolveJson('core-auto/TerraformApplyAccess');
  assert.is.not(r.code, 0);
  assert.match(r.stderr, 'core-auto/TerraformApplyAccess');
});

test("login provisions one aws/permission-set identity per account and role, in Atmos's file and format", async () => {
  fake.clearLog();
  const r = await cli(sb, ['login', '--provider', 'acme-sso']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, `acme-sso: provisioned 30 identities (10 accounts) into ${provisioned}`);
  assert.is(fake.count('Authorize'), 0, 'the session was reused');
  assert.is(fake.count('ListAccounts'), 3, 'all pages');
  assert.is(fake.count('ListAccountRoles'), 10);
  assert.is(statSync(provisioned).mode & 0o777, 0o600);
  assert.is(statSync(dirname(provisioned)).mode & 0o777, 0o700);
  const text = readFileSync(provisioned, 'utf8');
  const doc = parse(text) as { auth: { _metadata: Record<string, unknown>; identities: Record<string, unknown> } };
  const want = ACME_ACCOUNTS.flatMap((a) => ['TerraformApplyAccess', 'TerraformPlanAccess', 'TerraformStateAccess'].map((p) => `${a.accountName}/${p}`));
  assert.equal(Object.keys(doc.auth.identities).sort(), want.sort());
  // sso_provisioning.go:131-147: name account/role; kind, provider, via.provider, principal.{name, account.{name, id}}.
  assert.equal(doc.auth.identities['plat-dev/TerraformPlanAccess'], {
    kind: 'aws/permission-set',
    provider: 'acme-sso',
    via: { provider: 'acme-sso' },
    principal: { account: { id: '200000000001', name: 'plat-dev' }, name: 'TerraformPlanAccess' },
  });
  // writer.go:97-127 buildConfig.
  assert.equal(doc.auth._metadata.counts, { accounts: 10, identities: 30, roles: 30 });
  assert.equal(doc.auth._metadata.extra, { region: 'us-east-1', start_url: 'https://acme.awsapps.com/start/' });
  assert.is(doc.auth._metadata.provider, 'acme-sso');
  assert.is(doc.auth._metadata.source, 'acme-sso');
  assert.match(String(doc.auth._metadata.provisioned_at), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  // yaml.v3's layout: 4-space indent, map keys sorted, struct fields in declaration order, ids quoted.
  assert.ok(text.startsWith('auth:\n    _metadata:\n        counts:\n            accounts: 10\n            identities: 30\n            roles: 30\n        extra:\n            region: us-east-1\n            start_url: https://acme.awsapps.com/start/\n        provider: acme-sso\n        provisioned_at: "'), text.slice(0, 400));
  assert.match(text, '\n    identities:\n        core-artifacts/TerraformApplyAccess:\n            kind: aws/permission-set\n            provider: acme-sso\n            via:\n                provider: acme-sso\n            principal:\n                account:\n                    id: "100000000005"\n                    name: core-artifacts\n                name: TerraformApplyAccess\n');
});

test('resolve (ATMOS_IDENTITY) resolves a provisioned identity, through the cache that had said "unknown"', async () => {
  const r = await resolveJson('core-auto/TerraformApplyAccess');
  assert.is(r.code, 0, r.stderr);
  assert.is(r.json!.identity, 'core-auto/TerraformApplyAccess');
  assert.equal(r.json!.chain.map((h) => h.kind), ['aws/iam-identity-center', 'aws/permission-set']);
  assert.is(r.json!.chain[1]!.permissionSet, 'TerraformApplyAccess');
  assert.equal(r.json!.chain[1]!.account, { name: 'core-auto', id: '100000000002' });
  // Names match case-insensitively (Atmos lower-cases them through Viper).
  assert.is((await resolveJson('CORE-AUTO/terraformapplyaccess')).code, 0);
});

test('list shows the provisioned identities beside the configured ones', async () => {
  const r = await cli(sb, ['list', '--json']);
  assert.is(r.code, 0, r.stderr);
  const names = (JSON.parse(r.stdout) as { identities: Array<{ name: string }> }).identities.map((i) => i.name);
  assert.ok(names.includes('plat-prod/TerraformStateAccess'));
  assert.ok(names.includes('plat-dev/terraform'), 'the profile\'s own identities stay');
  assert.is(names.filter((n) => /\/Terraform(Apply|Plan|State)Access$/.test(n)).length, 30);
});

test('export with a provisioned identity: role credentials from the account id in the file, no login', async () => {
  fake.clearLog();
  const r = await cli(sb, ['export', '--format', 'bash', '--no-login', '--identity', 'plat-staging/TerraformPlanAccess'], { env: { BROWSER: '' } });
  assert.is(r.code, 0, r.stderr);
  assert.ok(parseExports(r.stdout).AWS_SESSION_TOKEN);
  const gr = fake.requests().filter((q) => q.op === 'GetRoleCredentials');
  assert.equal(gr.map((q) => [q.accountId, q.roleName]), [['200000000002', 'TerraformPlanAccess']]);
  assert.is(fake.count('Authorize'), 0);
});

test('the repository stays allowed: provisioned identities sign in through the pinned provider (no new pin)', async () => {
  const r = await cli(sb, ['export', '--format', 'bash', '--no-login'], { env: { BROWSER: '' } });
  assert.is(r.code, 0, r.stderr);
  assert.is(parseExports(r.stdout).ATMOS_AUTH_IDENTITY, 'plat-dev/terraform');
});

test("precedence: the user's config wins over a provisioned identity of the same name", async () => {
  setConfig({
    autoProvision: true,
    identities: '    core-auto/TerraformApplyAccess:\n      kind: aws/permission-set\n      via:\n        provider: acme-sso\n      principal:\n        name: TerraformPlanAccess\n        account:\n          name: core-auto\n',
  });
  const r = await resolveJson('core-auto/TerraformApplyAccess');
  assert.is(r.code, 0, r.stderr);
  assert.is(r.json!.chain[1]!.permissionSet, 'TerraformPlanAccess', 'atmos.yaml overrides the provisioned entry');
  setConfig({ autoProvision: true });
});

test("a file Atmos wrote (its provider dir, yaml.v3's layout) is read the same way", async () => {
  const mine = readFileSync(provisioned, 'utf8');
  writeFileSync(provisioned, [
    'auth:',
    '    _metadata:',
    '        provider: acme-sso',
    '        provisioned_at: "2026-01-01T00:00:00Z"',
    '        source: acme-sso',
    '    identities:',
    '        legacy-account/AdministratorAccess:',
    '            kind: aws/permission-set',
    '            provider: acme-sso',
    '            via:',
    '                provider: acme-sso',
    '            principal:',
    '                account:',
    '                    id: "123456789012"',
    '                    name: legacy-account',
    '                name: AdministratorAccess',
    '',
  ].join('\n'), { mode: 0o600 });
  const r = await resolveJson('legacy-account/AdministratorAccess');
  assert.is(r.code, 0, r.stderr);
  assert.equal(r.json!.chain[1]!.account, { name: 'legacy-account', id: '123456789012' });
  writeFileSync(provisioned, mine, { mode: 0o600 });
});

test('a damaged provisioned file is skipped (as Atmos skips an import that does not load), the rest resolves', async () => {
  const mine = readFileSync(provisioned, 'utf8');
  writeFileSync(provisioned, 'auth:\n  identities: [unclosed\n', { mode: 0o600 });
  const r = await cli(sb, ['resolve', '--json']);
  assert.is(r.code, 0, r.stderr);
  assert.is((JSON.parse(r.stdout) as { identity: string }).identity, 'plat-dev/terraform');
  assert.is.not((await resolveJson('core-auto/TerraformApplyAccess')).code, 0);
  writeFileSync(provisioned, mine, { mode: 0o600 });
});

test('logout removes the provisioned identities with the session', async () => {
  const r = await cli(sb, ['logout', '--provider', 'acme-sso']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, 'removed the identities provisioned for acme-sso');
  assert.not.ok(existsSync(provisioned));
  assert.is.not((await resolveJson('core-auto/TerraformApplyAccess')).code, 0);
});

test("yaml.v3's map key order and quoting", () => {
  const keys = ['b', 'a10', 'a2', '_x', 'A', 'a-b', 'ab'];
  keys.sort((x, y) => (yamlV3KeyLess(x, y) ? -1 : yamlV3KeyLess(y, x) ? 1 : 0));
  assert.equal(keys, ['_x', 'A', 'a-b', 'a2', 'a10', 'ab', 'b']);
  const text = marshalYaml({ a: { id: '012345678901', yes: 'yes', t: '2026-01-01T00:00:00Z', odd: 'x: y #z', n: 3, line: 'a\nb\u2028' } });
  assert.is(text, 'a:\n    id: "012345678901"\n    line: "a\\nb\\u2028"\n    "n": 3\n    odd: "x: y #z"\n    t: "2026-01-01T00:00:00Z"\n    "yes": "yes"\n');
  assert.equal(parse(text), { a: { id: '012345678901', yes: 'yes', t: '2026-01-01T00:00:00Z', odd: 'x: y #z', n: 3, line: 'a\nb\u2028' } });
});

test('names from AWS stay data in the file: hostile account and role names round-trip through both YAML readers', () => {
  const hostile = ['a: b', '- x', '#c', '!exec rm -rf ~', '*alias', '&anchor', '"q"', "'s'", 'multi\nline', '[x]', '{y}', '%z', '@w', '`t', '? k', ' lead', 'trail ', '|', '>', 'null', '0x1F', '1e3', '2026-01-01', 'x #y', 'tab\there', '\u2028', 'ok name/Role'];
  const ids = Object.fromEntries(hostile.map((n, i) => [`${n}/${n}`, { kind: 'aws/permission-set', provider: 'p', via: { provider: 'p' }, principal: { account: { id: String(100000000000 + i), name: n }, name: n } }]));
  const text = marshalYaml({ auth: { identities: ids } });
  assert.equal(parse(text), { auth: { identities: ids } });
  assert.equal(parseYaml(text, 'provisioned-identities.yaml', { env: {}, repoRoot: () => undefined }), { auth: { identities: ids } }, "the engine's reader (Atmos tags) sees strings, runs nothing");
});

test.run();
