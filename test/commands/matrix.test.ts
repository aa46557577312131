// `atmos-auth list --matrix` on examples/acme (the users' guide's table) and on broken repositories.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { ATMOS_YAML, acme, cli, repo, tempDir, writeFiles } from '../atmos/helpers.ts';
import { renderText } from '../../src/commands/matrix-render.ts';

// The guide (shared/seed/atmos-auth-skill.txt, "Profiles"): profile -> [Core, Platform Dev/Sandbox, Platform Staging/Prod].
const GUIDE: Record<string, [string, string, string]> = {
  devops: ['TerraformApplyAccess', 'TerraformApplyAccess', 'TerraformApplyAccess'],
  developers: ['TerraformStateAccess', 'TerraformApplyAccess', 'TerraformPlanAccess'],
  managers: ['TerraformStateAccess', 'TerraformPlanAccess', 'TerraformPlanAccess'],
};
const GROUPS = ['core-*/terraform', 'plat-{dev,sandbox}/terraform', 'plat-{prod,staging}/terraform'];
const ACCESS: Record<string, string> = { TerraformApplyAccess: 'apply', TerraformPlanAccess: 'plan', TerraformStateAccess: 'state' };

function matrix(args: string[], cwd = acme, env: Record<string, string> = {}) {
  const r = cli(['list', '--matrix', ...args], { cwd, env });
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stderr, '');
  return r.stdout;
}

test('acme --json: the guide\'s table, the other profiles as further columns, superadmin its own row', () => {
  // An ATMOS_PROFILE changes nothing: every profile is a column.
  const m = JSON.parse(matrix(['--json'], acme, { ATMOS_PROFILE: 'developers' }));
  assert.equal(m.profiles, ['developers', 'devops', 'github-apply', 'github-plan', 'managers', 'superadmin'].map((name) => ({ name })));
  assert.equal(m.rows.map((r: { group: string }) => r.group), [...GROUPS, 'superadmin']);
  assert.equal(m.rows[0].identities, ['core-artifacts', 'core-audit', 'core-auto', 'core-identity', 'core-network', 'core-root'].map((a) => `${a}/terraform`));
  assert.equal(m.rows[1].identities, ['plat-dev/terraform', 'plat-sandbox/terraform']);
  assert.equal(m.rows[2].identities, ['plat-prod/terraform', 'plat-staging/terraform']);
  for (const [profile, sets] of Object.entries(GUIDE)) {
    sets.forEach((ps, i) => assert.equal(m.rows[i].cells[profile], { kind: 'aws/permission-set', access: ACCESS[ps], permissionSet: ps }, `${profile} ${GROUPS[i]}`));
    assert.is(m.rows[3].cells[profile], null);
  }
  assert.equal(m.rows[0].cells['github-plan'], { kind: 'aws/assume-role', access: 'plan', role: 'acme-core-*-planner' });
  assert.equal(m.rows[2].cells['github-apply'], { kind: 'aws/assume-role', access: 'apply', role: 'acme-plat-*-terraform' });
  assert.equal(m.rows[1].cells.superadmin, { kind: 'aws/assume-role', access: 'apply', role: 'acme-plat-*-terraform' });
  assert.equal(m.rows[3].cells.superadmin, { kind: 'aws/user', access: '' });
  assert.is(m.rows[3].cells.devops, null);
});

test('acme: the terminal table fits 100 columns, abbreviated, split in two, with its legend', () => {
  const out = matrix([]);
  assert.is(out, `identity                       developers  devops  github-apply              github-plan
-----------------------------  ----------  ------  ------------------------  ---------------------
core-*/terraform               State       Apply   core-*-terraform (apply)  core-*-planner (plan)
plat-{dev,sandbox}/terraform   Apply       Apply   plat-*-terraform (apply)  plat-*-planner (plan)
plat-{prod,staging}/terraform  Plan        Apply   plat-*-terraform (apply)  plat-*-planner (plan)
superadmin                     -           -       -                         -

identity                       managers  superadmin
-----------------------------  --------  ------------------------
core-*/terraform               State     core-*-terraform (apply)
plat-{dev,sandbox}/terraform   Plan      plat-*-terraform (apply)
plat-{prod,staging}/terraform  Plan      plat-*-terraform (apply)
superadmin                     -         aws/user

permission sets shown without the prefix 'Terraform' and the suffix 'Access'
roles shown without the prefix 'acme-'
`);
  for (const line of out.split('\n')) assert.ok(line.length <= 100, line);
});

test('acme --markdown: a GitHub table with full names, markdown punctuation escaped', () => {
  const lines = matrix(['--markdown']).trimEnd().split('\n');
  assert.is(lines[0], '| identity | developers | devops | github-apply | github-plan | managers | superadmin |');
  assert.is(lines[1], '|---|---|---|---|---|---|---|');
  assert.is(lines[2], '| core-\\*/terraform | TerraformStateAccess (state) | TerraformApplyAccess (apply) | acme-core-\\*-terraform (apply) | acme-core-\\*-planner (plan) | TerraformStateAccess (state) | acme-core-\\*-terraform (apply) |');
  assert.is(lines[3], '| plat-{dev,sandbox}/terraform | TerraformApplyAccess (apply) | TerraformApplyAccess (apply) | acme-plat-\\*-terraform (apply) | acme-plat-\\*-planner (plan) | TerraformPlanAccess (plan) | acme-plat-\\*-terraform (apply) |');
  assert.is(lines[4], '| plat-{prod,staging}/terraform | TerraformPlanAccess (plan) | TerraformApplyAccess (apply) | acme-plat-\\*-terraform (apply) | acme-plat-\\*-planner (plan) | TerraformPlanAccess (plan) | acme-plat-\\*-terraform (apply) |');
  assert.is(lines[5], '| superadmin | - | - | - | - | - | aws/user |');
  assert.is(lines.length, 6);
});

test('--no-group: one row per identity, with its own role name', () => {
  const m = JSON.parse(matrix(['--json', '--no-group']));
  assert.is(m.rows.length, 11);
  const root = m.rows.find((r: { group: string }) => r.group === 'core-root/terraform');
  assert.equal(root.identities, ['core-root/terraform']);
  assert.equal(root.cells['github-plan'], { kind: 'aws/assume-role', access: 'plan', role: 'acme-core-root-planner' });
  assert.equal(root.cells.managers, { kind: 'aws/permission-set', access: 'state', permissionSet: 'TerraformStateAccess' });
});

test('a profile that fails to load is a marked column; an identity that does not build is a marked cell', () => {
  const root = tempDir();
  cpSync(acme, root, { recursive: true });
  writeFiles(root, {
    'profiles/broken/atmos.yaml': 'auth:\n  identities:\n    x: [unclosed\n',
    'profiles/typo/atmos.yaml': 'auth:\n  identities:\n    plat-dev/terraform:\n      kind: aws/permission-set\n      via: {provider: acme-ss0}\n      principal: {name: TerraformApplyAccess, account: {name: plat-dev}}\n',
  });
  const m = JSON.parse(matrix(['--json'], join(root, 'stacks')));
  const broken = m.profiles.find((p: { name: string }) => p.name === 'broken');
  assert.match(broken.error, /profiles\/broken\/atmos\.yaml:\d+/);
  assert.ok(m.profiles.filter((p: { error?: string }) => p.error).length === 1, JSON.stringify(m.profiles));
  for (const r of m.rows) assert.is(r.cells.broken, null);
  // The typo profile splits plat-dev from plat-sandbox: their cells differ there.
  const dev = m.rows.find((r: { identities: string[] }) => r.identities.includes('plat-dev/terraform'));
  assert.equal(dev.identities, ['plat-dev/terraform']);
  assert.match(dev.cells.typo.error, /provider 'acme-ss0', which is not defined \(did you mean 'acme-sso'\?\)/);
  assert.is(dev.cells.developers.permissionSet, 'TerraformApplyAccess');

  const text = matrix([], root);
  assert.match(text, /broken \[1\]/);
  assert.match(text, /\n\[1\] profile broken: .*profiles\/broken\/atmos\.yaml:\d+/);
  assert.match(text, /plat-dev\/terraform +.*error \[2\]/);
  assert.match(text.replace(/\n {4}/g, ' '), /\n\[2\] profile typo, plat-dev\/terraform: .*provider 'acme-ss0', which is not defined \(did you mean 'acme-sso'\?\)\n/);
  for (const line of text.split('\n')) assert.ok(line.length <= 100, line);
});

test('YAML values are data: no control characters reach the terminal, pipes are escaped in markdown', () => {
  const root = repo({
    'atmos.yaml': ATMOS_YAML.replace(/ {2}identities:[\s\S]*/, ''),
    'profiles/p/atmos.yaml': 'auth:\n  identities:\n    "a|b":\n      kind: aws/permission-set\n      via: {provider: sso}\n      principal: {name: "Evil\\e[31m|Set", account: {name: x}}\n',
  });
  const text = matrix([], root);
  assert.not.match(text, /\x1b/);
  assert.match(text, /Evil\?\[31m\|Set/);
  const md = matrix(['--markdown'], root);
  assert.match(md, /\| a\\\|b \| Evil\?\\\[31m\\\|Set \|/);
  assert.not.match(md, /\x1b/);
});

test('--profile picks and orders the columns; an unknown one is a usage error naming the profiles', () => {
  const m = JSON.parse(matrix(['--json', '--profile', 'managers,devops']));
  assert.equal(m.profiles, [{ name: 'managers' }, { name: 'devops' }]);
  // Grouping follows the columns shown: managers and devops treat every plat account alike.
  assert.equal(m.rows.map((r: { group: string }) => r.group), ['core-*/terraform', 'plat-*/terraform']);
  assert.equal(m.rows[1].cells.managers.permissionSet, 'TerraformPlanAccess');
  const r = cli(['list', '--matrix', '--profile', 'managers,nosuch'], { cwd: acme });
  assert.is(r.code, 2);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /no profile nosuch in .*\n.*profiles: developers, devops, github-apply, github-plan, managers, superadmin/);
});

test('a kind atmos-auth leaves to Atmos shows that kind', () => {
  const root = repo({
    'atmos.yaml': ATMOS_YAML,
    'profiles/gcp/atmos.yaml': 'auth:\n  providers:\n    g: {kind: gcp/adc}\n  identities:\n    a:\n      kind: gcp/service-account\n      via: {provider: g}\n',
  });
  const m = JSON.parse(matrix(['--json'], root));
  const a = m.rows.find((r: { group: string }) => r.group === 'a');
  assert.equal(a.cells.gcp, { kind: 'gcp/service-account', access: '', unsupported: 'gcp/service-account' });
  assert.match(matrix([], root), /\na +gcp\/service-account \(Atmos only\)\n/);
});

test('renderText: many profiles wrap into tables within 100 columns; a long brace list shrinks in its middle', () => {
  const stages = ['demo', 'dev', 'dr', 'perf', 'qa', 'sandbox', 'shared', 'uat', 'load', 'test'];
  const profiles = Array.from({ length: 12 }, (_, i) => ({ name: `team-${String(i).padStart(2, '0')}` }));
  const cell = (i: number) => ({ kind: 'aws/permission-set', access: (['apply', 'plan', 'state'] as const)[i % 3]!, permissionSet: `Terraform${['Apply', 'Plan', 'State'][i % 3]}Access` });
  const rows = [
    { identities: stages.map((s) => `core-${s}/terraform`), group: `core-{${[...stages].sort().join(',')}}/terraform`, cells: Object.fromEntries(profiles.map((p, i) => [p.name, cell(i)])) },
    { identities: ['core-prod/terraform'], group: 'core-prod/terraform', cells: Object.fromEntries(profiles.map((p, i) => [p.name, cell(i + 1)])) },
  ];
  const out = renderText({ root: '/r', profiles, rows });
  for (const line of out.split('\n')) assert.ok(line.length <= 100, `${line.length}: ${line}`);
  const tables = out.split('\n\n').filter((t) => t.startsWith('identity'));
  assert.ok(tables.length >= 2, out);
  // Every profile is in exactly one table, in order.
  const heads = tables.flatMap((t) => t.split('\n')[0]!.split(/ {2,}/).slice(1));
  assert.equal(heads, profiles.map((p) => p.name));
  assert.match(out, /\ncore-\{demo,dev,[a-z,]*…,[a-z,]*uat\}\/terraform +Apply +Plan/);
  assert.match(out, /\ncore-prod\/terraform +Plan +State/);
});

test('a repository without profiles: one column for the base configuration', () => {
  const root = repo({ 'atmos.yaml': ATMOS_YAML });
  const m = JSON.parse(matrix(['--json'], root));
  assert.equal(m.profiles, [{ name: '' }]);
  assert.ok(m.rows.length >= 1);
  assert.match(matrix([], root), /^identity +\(no profile\)\n/);
});

test('outside a repository: an error naming what to do; --markdown without --matrix is a usage error', () => {
  const r = cli(['list', '--matrix'], { cwd: tempDir() });
  assert.is(r.code, 1);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /not inside an Atmos repository.*\n.*pass --dir/);
  const u = cli(['list', '--markdown'], { cwd: acme });
  assert.is(u.code, 2);
  assert.match(u.stderr, /matrix/);
});

test.run();
