import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ATMOS_YAML, acme, cli, leaf, repo, tempDir } from './helpers.ts';

const TABLE: Record<string, [string, string, string]> = {
  devops: ['TerraformApplyAccess', 'TerraformApplyAccess', 'TerraformApplyAccess'],
  developers: ['TerraformStateAccess', 'TerraformApplyAccess', 'TerraformPlanAccess'],
  managers: ['TerraformStateAccess', 'TerraformPlanAccess', 'TerraformPlanAccess'],
};
const ACCOUNTS: [string, string, string][] = [
  ['core', 'root', '100000000000'], ['core', 'audit', '100000000001'], ['core', 'auto', '100000000002'],
  ['core', 'identity', '100000000003'], ['core', 'network', '100000000004'], ['core', 'artifacts', '100000000005'],
  ['plat', 'sandbox', '200000000000'], ['plat', 'dev', '200000000001'], ['plat', 'staging', '200000000002'], ['plat', 'prod', '200000000003'],
];

function json(args: string[], env: Record<string, string> = {}) {
  const r = cli([...args, '--json'], { env });
  assert.is(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test('examples/acme: every stack of every SSO profile resolves as the users\' guide table says', () => {
  for (const [profile, [core, low, high]] of Object.entries(TABLE)) {
    for (const [tenant, stage] of ACCOUNTS) {
      const dir = join(acme, 'stacks/orgs/acme', tenant, stage);
      const r = json(['resolve', '--dir', dir], { ATMOS_PROFILE: profile });
      const want = tenant === 'core' ? core : stage === 'dev' || stage === 'sandbox' ? low : high;
      assert.is(r.identity, `${tenant}-${stage}/terraform`);
      assert.is(r.source, 'stack');
      assert.equal(r.stacks, [`${tenant}-use2-${stage}`, `${tenant}-usw2-${stage}`]);
      assert.equal(r.chain[0], { kind: 'aws/iam-identity-center', name: 'acme-sso', startUrl: 'https://acme.awsapps.com/start/', region: 'us-east-1', sessionDuration: 43200 });
      assert.equal(r.chain[1], { kind: 'aws/permission-set', name: `${tenant}-${stage}/terraform`, permissionSet: want, account: { name: `${tenant}-${stage}` } }, `${profile} ${tenant}-${stage}`);
    }
  }
});

test('examples/acme: a region leaf has its region; superadmin and github profiles give role chains', () => {
  const dev = join(acme, 'stacks/orgs/acme/plat/dev');
  const r = json(['resolve', '--dir', dev, '--profile', 'superadmin']);
  assert.equal(r.chain.map((h: { kind: string }) => h.kind), ['aws/user', 'aws/assume-role']);
  assert.is(r.chain[0].mfaArn, 'arn:aws:iam::100000000003:mfa/superadmin');
  assert.is(r.chain[1].roleArn, 'arn:aws:iam::200000000001:role/acme-plat-dev-terraform');
  const plan = json(['resolve', '--dir', join(acme, 'stacks/orgs/acme/core/auto')], { ATMOS_PROFILE: 'github-plan' });
  assert.equal(plan.chain[0], { kind: 'github/oidc', name: 'github-oidc', region: 'us-east-1', audience: 'sts.amazonaws.com' });
  assert.is(plan.chain[1].roleArn, 'arn:aws:iam::100000000002:role/acme-core-auto-planner');
  const apply = json(['resolve', '--dir', join(acme, 'stacks/orgs/acme/plat/prod')], { ATMOS_PROFILE: 'github-apply' });
  assert.is(apply.chain[1].roleArn, 'arn:aws:iam::200000000003:role/acme-plat-prod-terraform');
});

test('human output is short and names stack, identity, chain', () => {
  const r = cli(['resolve', '--dir', join(acme, 'stacks/orgs/acme/plat/dev')], { env: { ATMOS_PROFILE: 'developers' } });
  assert.is(r.code, 0);
  assert.match(r.stdout, /identity\s+plat-dev\/terraform\s+\(from stack defaults, profile developers\)/);
  assert.match(r.stdout, /chain\s+acme-sso \(aws\/iam-identity-center https:\/\/acme\.awsapps\.com\/start\/ us-east-1\) -> TerraformApplyAccess @ plat-dev/);
  assert.ok(r.stdout.split('\n').length < 8);
});

test('no profile: the error names the profiles that define the identity (exit 1, nothing on stdout)', () => {
  const r = cli(['resolve', '--dir', join(acme, 'stacks/orgs/acme/plat/prod')]);
  assert.is(r.code, 1);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /plat\/prod\/_defaults\.yaml:\d+:\d+: identity 'plat-prod\/terraform'/);
  assert.match(r.stderr, /ATMOS_PROFILE=developers/);
});

test('outside any repository: exit 0, root null', () => {
  const r = json(['resolve', '--dir', tempDir()]);
  assert.is(r.root, null);
  assert.is(r.identity, null);
});

test('list: identities of the active profile and the stacks defaulting to each', () => {
  const r = json(['list', '--dir', acme], { ATMOS_PROFILE: 'managers' });
  assert.equal(r.profiles, ['managers']);
  const dev = r.identities.find((i: { name: string }) => i.name === 'plat-dev/terraform');
  assert.equal(dev, { name: 'plat-dev/terraform', kind: 'aws/permission-set', default: false, via: 'acme-sso', stacks: ['plat-use2-dev', 'plat-usw2-dev'], account: { name: 'plat-dev' }, permissionSet: 'TerraformPlanAccess', tags: [] });
  assert.is(r.identities.length, 10);
  const human = cli(['list', '--dir', acme], { env: { ATMOS_PROFILE: 'managers' } });
  assert.match(human.stdout, /core-auto\/terraform\s+aws\/permission-set\s+TerraformStateAccess @ core-auto/);
});

test('!exec (and other Atmos functions) never run', () => {
  const marker = join(tempDir(), 'exec-ran');
  const r = repo({
    'atmos.yaml': ATMOS_YAML,
    'stacks/orgs/o/t/s/_defaults.yaml': `vars: {tenant: t, stage: s, x: !exec touch ${marker}}\nauth:\n  identities:\n    a: {default: true}\n`,
    'stacks/orgs/o/t/s/us-east-2.yaml': leaf('orgs/o/t/s/_defaults', 'use2', 'us-east-2', `components:\n  terraform:\n    vpc:\n      vars:\n        a: !exec touch ${marker}\n        b: !terraform.state vpc x\n        c: !store s k\n        d: !include nothing.yaml\n        e: !template '{{ .x }}'\n`),
  });
  const out = json(['resolve', '--dir', join(r, 'stacks/orgs/o/t/s')]);
  assert.is(out.identity, 'a');
  assert.not.ok(existsSync(marker), '!exec must never run');
});

/** Each configuration error: exit 1, nothing on stdout, one message naming file and line. */
function badInput(files: Record<string, string>, dir: string, pattern: RegExp, env: Record<string, string> = {}, args: string[] = []) {
  const r = repo({ 'atmos.yaml': ATMOS_YAML, ...files });
  const out = cli(['resolve', '--dir', join(r, dir), ...args], { env });
  assert.is(out.code, 1, out.stderr);
  assert.is(out.stdout, '');
  assert.match(out.stderr, pattern);
  assert.not.match(out.stderr, /internal error|\n\s+at /);
}

test('bad input: malformed YAML names file:line:col', () => {
  badInput({ 'stacks/orgs/o/t/s/us-east-2.yaml': 'vars:\n  a: [1, 2\n  b: 3\n' }, 'stacks/orgs/o/t/s', /us-east-2\.yaml:\d+:\d+: invalid YAML/);
});

test('bad input: missing import names the importing line', () => {
  badInput({ 'stacks/orgs/o/t/s/us-east-2.yaml': 'import:\n  - catalog/nope\n' }, 'stacks/orgs/o/t/s', /us-east-2\.yaml:2:5: import 'catalog\/nope' not found/);
});

test('bad input: import cycle prints the cycle', () => {
  badInput({
    'stacks/orgs/o/t/s/us-east-2.yaml': 'import: [catalog/a]\n',
    'stacks/catalog/a.yaml': 'import: [catalog/b]\n',
    'stacks/catalog/b.yaml': 'import:\n  - catalog/a\n',
  }, 'stacks/orgs/o/t/s', /catalog\/b\.yaml:2:5: import cycle: catalog\/a\.yaml -> catalog\/b\.yaml -> catalog\/a\.yaml/);
});

test('bad input: unknown profile lists the available ones', () => {
  badInput({ 'profiles/dev/atmos.yaml': 'auth: {}\n', 'profiles/ops/atmos.yaml': 'auth: {}\n' }, '.', /unknown profile 'nope' \(from ATMOS_PROFILE\); available: dev, ops/, { ATMOS_PROFILE: 'nope' });
});

test('bad input: identity kind typo suggests the right kind', () => {
  badInput({
    'profiles/dev/atmos.yaml': 'auth:\n  identities:\n    x:\n      kind: aws/asume-role\n      via: {provider: sso}\n',
  }, '.', /profiles\/dev\/atmos\.yaml:4:7: identity 'x' has unsupported kind 'aws\/asume-role' \(did you mean 'aws\/assume-role'\?\)/, { ATMOS_PROFILE: 'dev', ATMOS_IDENTITY: 'x' });
});

test.run();
