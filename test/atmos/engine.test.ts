import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { resolveContext, resolveDirectory } from '../../src/atmos/resolve.ts';
import { ATMOS_YAML, cleanEnv, leaf, repo, tempDir, writeFiles, errorOf } from './helpers.ts';

const resolve = (dir: string, env: Record<string, string> = {}, profile?: string) =>
  resolveDirectory({ dir, env: cleanEnv(env), ...(profile ? { profile } : {}) });


/** quick-start-advanced layout: orgs/<org>/<tenant>/<stage>/<region>.yaml, _defaults excluded, mixins imported. */
function qsa(extra: Record<string, string> = {}, atmos = ATMOS_YAML): string {
  return repo({
    'atmos.yaml': atmos,
    'stacks/orgs/acme/_defaults.yaml': 'vars:\n  namespace: acme\n',
    'stacks/orgs/acme/t1/_defaults.yaml': 'import: [orgs/acme/_defaults]\nvars:\n  tenant: t1\n',
    'stacks/orgs/acme/t1/dev/_defaults.yaml': 'import: [orgs/acme/t1/_defaults]\nvars:\n  stage: dev\nauth:\n  identities:\n    a:\n      default: true\n',
    'stacks/orgs/acme/t1/dev/us-east-2.yaml': 'import:\n  - orgs/acme/t1/dev/_defaults\n  - mixins/region/us-east-2\n',
    'stacks/orgs/acme/t1/dev/us-west-2.yaml': 'import:\n  - orgs/acme/t1/dev/_defaults\n  - mixins/region/us-west-2\n',
    'stacks/orgs/acme/t1/prod/_defaults.yaml': 'import: [orgs/acme/t1/_defaults]\nvars:\n  stage: prod\nauth:\n  identities:\n    b:\n      default: true\n',
    'stacks/orgs/acme/t1/prod/us-east-2.yaml': 'import:\n  - orgs/acme/t1/prod/_defaults\n  - mixins/region/us-east-2\n',
    'stacks/orgs/acme/t1/prod/README.md': '# not a manifest\n',
    'stacks/mixins/region/us-east-2.yaml': 'vars:\n  region: us-east-2\n  environment: use2\n',
    'stacks/mixins/region/us-west-2.yaml': 'vars:\n  region: us-west-2\n  environment: usw2\n',
    'stacks/catalog/vpc.yaml': 'components:\n  terraform:\n    vpc: {}\n',
    'components/terraform/vpc/main.tf': '',
    ...extra,
  });
}

test('leaf directory: one stack, its default identity, the chain and region', () => {
  const r = qsa();
  const res = resolve(join(r, 'stacks/orgs/acme/t1/prod'));
  assert.equal(res.stacks, ['t1-use2-prod']);
  assert.is(res.identity, 'b');
  assert.is(res.source, 'stack');
  assert.is(res.region, 'us-east-2');
  assert.equal(res.chain, [
    { kind: 'aws/iam-identity-center', name: 'sso', startUrl: 'https://x.awsapps.com/start', region: 'us-east-1' },
    { kind: 'aws/permission-set', name: 'b', permissionSet: 'PS-B', account: { id: '111111111111' } },
  ]);
  assert.is(res.root, r);
  assert.ok(res.files.includes(join(r, 'stacks/orgs/acme/t1/prod/_defaults.yaml')), 'imported _defaults is in files');
  assert.ok(res.files.includes(join(r, 'stacks/mixins/region/us-east-2.yaml')), 'mixin is in files');
  assert.ok(res.files.includes(join(r, 'atmos.yaml')));
  assert.ok(res.dirs.includes(join(r, 'stacks/orgs/acme/t1/prod')));
});

test('stage directory: two region stacks agree; regions differ so the provider region is used', () => {
  const r = qsa();
  const res = resolve(join(r, 'stacks/orgs/acme/t1/dev'));
  assert.equal(res.stacks, ['t1-use2-dev', 't1-usw2-dev']);
  assert.is(res.identity, 'a');
  assert.is(res.region, 'us-east-1');
});

test('tenant directory: stacks disagree -> identity null with candidates', () => {
  const r = qsa();
  const res = resolve(join(r, 'stacks/orgs/acme/t1'));
  assert.is(res.identity, null);
  assert.equal(res.candidates, { 't1-use2-dev': 'a', 't1-usw2-dev': 'a', 't1-use2-prod': 'b' });
  assert.ok(res.reason);
  assert.equal(res.chain, []);
});

test('a subdirectory without manifests takes the nearest ancestor\'s own manifests', () => {
  const r = qsa({ 'stacks/orgs/acme/t1/prod/notes/x.txt': 'x' });
  const res = resolve(join(r, 'stacks/orgs/acme/t1/prod/notes'));
  assert.equal(res.stacks, ['t1-use2-prod']);
  assert.is(res.identity, 'b');
});

test('directory outside the stacks dir -> no stacks, config default', () => {
  const r = qsa({}, ATMOS_YAML.replace('    fallback:\n', '    fallback:\n      default: true\n'));
  const res = resolve(join(r, 'components/terraform/vpc'));
  assert.equal(res.stacks, []);
  assert.is(res.identity, 'fallback');
  assert.is(res.source, 'config');
  const none = resolve(join(qsa(), 'components/terraform/vpc'));
  assert.is(none.identity, null);
  assert.ok(none.reason);
});

test('outside any Atmos repository -> root null', () => {
  const res = resolve(tempDir());
  assert.is(res.root, null);
  assert.is(res.identity, null);
  assert.equal(res.stacks, []);
});

test('catalog directory (no manifests up to the stacks dir) -> no stacks', () => {
  const res = resolve(join(qsa(), 'stacks/catalog'));
  assert.equal(res.stacks, []);
});

test('Atmos bug #2072: a default in one stack never leaks into another', () => {
  const r = qsa({
    'stacks/orgs/acme/t1/qa/us-east-2.yaml': 'import: [orgs/acme/t1/_defaults, mixins/region/us-east-2]\nvars:\n  stage: qa\n',
  }, ATMOS_YAML.replace('    fallback:\n', '    fallback:\n      default: true\n'));
  const qa = resolve(join(r, 'stacks/orgs/acme/t1/qa'));
  assert.is(qa.identity, 'fallback');
  assert.is(qa.source, 'config');
  const dev = resolve(join(r, 'stacks/orgs/acme/t1/dev'));
  assert.is(dev.identity, 'a');
});

test('stack defaults clear config defaults (no "several defaults" error)', () => {
  const r = qsa({}, ATMOS_YAML.replace('    fallback:\n', '    fallback:\n      default: true\n'));
  const res = resolve(join(r, 'stacks/orgs/acme/t1/dev'));
  assert.is(res.identity, 'a');
  assert.is(res.source, 'stack');
});

test('default: false in the importing file cancels an imported default: true', () => {
  const r = qsa({
    'stacks/orgs/acme/t1/dev/us-east-2.yaml': 'import:\n  - orgs/acme/t1/dev/_defaults\n  - mixins/region/us-east-2\nauth:\n  identities:\n    a:\n      default: false\n    b:\n      default: true\n',
    'stacks/orgs/acme/t1/dev/us-west-2.yaml': 'import:\n  - orgs/acme/t1/dev/_defaults\n  - mixins/region/us-west-2\nauth:\n  identities:\n    a:\n      default: false\n',
  });
  const east = resolve(join(r, 'stacks/orgs/acme/t1/dev'));
  assert.equal(east.candidates, { 't1-use2-dev': 'b', 't1-usw2-dev': null });
});

test('a default naming an undefined identity is an error at its line', () => {
  const r = qsa({ 'stacks/orgs/acme/t1/dev/_defaults.yaml': 'vars:\n  stage: dev\n  tenant: t1\nauth:\n  identities:\n    nope:\n      default: true\n' });
  const e = errorOf(() => resolve(join(r, 'stacks/orgs/acme/t1/dev')));
  assert.match(e.message, /identity 'nope'/);
  assert.is(e.pos?.file, join(r, 'stacks/orgs/acme/t1/dev/_defaults.yaml'));
  assert.is(e.pos?.line, 7);
});

test('several defaults for one stack is an error', () => {
  const r = qsa({ 'stacks/orgs/acme/t1/prod/us-east-2.yaml': 'import:\n  - orgs/acme/t1/prod/_defaults\n  - mixins/region/us-east-2\nauth:\n  identities:\n    a:\n      default: true\n' });
  const e = errorOf(() => resolve(join(r, 'stacks/orgs/acme/t1/prod')));
  assert.match(e.message, /several default identities/);
  assert.ok(e.pos?.line);
});

test('several config defaults is an error', () => {
  const r = qsa({}, ATMOS_YAML.replace('    fallback:\n', '    fallback:\n      default: true\n').replace('    b:\n', '    b:\n      default: true\n'));
  const e = errorOf(() => resolve(join(r, 'components')));
  assert.match(e.message, /several default identities in the configuration/);
});

test('identity names are case-insensitive; enabled: false is no field of an identity (Atmos pkg/schema/schema_auth.go:69-91)', () => {
  const r = qsa({ 'stacks/orgs/acme/t1/prod/_defaults.yaml': 'import: [orgs/acme/t1/_defaults]\nvars:\n  stage: prod\nauth:\n  identities:\n    B:\n      default: true\n' });
  assert.is(resolve(join(r, 'stacks/orgs/acme/t1/prod')).identity, 'b');
  const r2 = qsa({}, ATMOS_YAML.replace('    b:\n', '    b:\n      enabled: false\n'));
  const res = resolve(join(r2, 'stacks/orgs/acme/t1/prod'));
  assert.is(res.identity, 'b');
  assert.is(res.chain.length, 2);
});

test('ATMOS_IDENTITY wins (source env), case-insensitive; false disables', () => {
  const r = qsa();
  const res = resolve(join(r, 'stacks/orgs/acme/t1/dev'), { ATMOS_IDENTITY: 'FALLBACK' });
  assert.is(res.identity, 'fallback');
  assert.is(res.source, 'env');
  assert.is(res.chain.length, 2);
  const off = resolve(join(r, 'stacks/orgs/acme/t1/dev'), { ATMOS_IDENTITY: 'false' });
  assert.is(off.identity, null);
  assert.is(off.source, 'env');
  const e = errorOf(() => resolve(join(r, 'stacks/orgs/acme/t1/dev'), { ATMOS_IDENTITY: 'zzz' }));
  assert.match(e.message, /zzz/);
});

test('README beside manifests is no manifest; extension-less include pattern matches .yml and .yaml.tmpl', () => {
  const r = qsa({ 'stacks/orgs/acme/t1/prod/us-west-2.yml': 'import: [orgs/acme/t1/prod/_defaults, mixins/region/us-west-2]\n' });
  const res = resolve(join(r, 'stacks/orgs/acme/t1/prod'));
  assert.equal(res.stacks.sort(), ['t1-use2-prod', 't1-usw2-prod']);
});

test('name_pattern, top-level name, and path fallback', () => {
  const base = 'base_path: "."\nstacks:\n  base_path: stacks\n  included_paths: ["**/*"]\n';
  const r = repo({
    'atmos.yaml': base + '  name_pattern: "{tenant}-{stage}"\n',
    'stacks/x/a.yaml': 'vars: {tenant: t, stage: s}\n',
    'stacks/x/b.yaml': 'name: custom\nvars: {tenant: t, stage: z}\n',
  });
  assert.equal(resolve(join(r, 'stacks/x')).stacks, ['t-s', 'custom']);
  const r2 = repo({ 'atmos.yaml': base, 'stacks/deploy/dev.yaml': 'vars: {}\n' });
  assert.equal(resolve(join(r2, 'stacks/deploy')).stacks, ['deploy/dev']);
});

test('imports: ./ and ../ relative, globs, map with skip_if_missing, .tmpl probing', () => {
  const r = repo({
    'atmos.yaml': 'base_path: "."\nstacks:\n  base_path: stacks\n  included_paths: ["deploy/**/*"]\n  excluded_paths: ["deploy/common.yaml"]\n  name_template: "{{ .vars.stage }}"\n',
    'stacks/deploy/dev.yaml': 'import:\n  - ./common\n  - ../catalog/*\n  - path: catalog/missing\n    skip_if_missing: true\n  - catalog/tpl\nvars:\n  stage: dev\n  z: mine\n',
    'stacks/deploy/common.yaml': 'vars: {a: 1, z: common}\n',
    'stacks/catalog/one.yaml': 'vars: {b: 1, list: [1, 2]}\n',
    'stacks/catalog/two.yaml': 'vars: {c: 2, list: [3]}\n',
    'stacks/catalog/tpl.yaml.tmpl': 'vars: {d: 4}\n',
  });
  const ctx = resolveContext({ dir: join(r, 'stacks/deploy'), env: cleanEnv() });
  const res = ctx.resolution;
  assert.equal(res.stacks, ['dev']);
  assert.equal(ctx.stacks[0]!.merged.vars, { a: 1, z: 'mine', b: 1, list: [3], c: 2, d: 4, stage: 'dev' });
  assert.ok(res.files.includes(join(r, 'stacks/catalog/two.yaml')));
  assert.ok(res.files.includes(join(r, 'stacks/catalog/tpl.yaml.tmpl')));
});

test('missing import: ConfigError at the importing line', () => {
  const r = qsa({ 'stacks/orgs/acme/t1/prod/us-east-2.yaml': 'vars: {}\nimport:\n  - orgs/acme/t1/prod/_defaults\n  - mixins/nope\n' });
  const e = errorOf(() => resolve(join(r, 'stacks/orgs/acme/t1/prod')));
  assert.match(e.message, /import 'mixins\/nope' not found/);
  assert.equal([e.pos?.file, e.pos?.line], [join(r, 'stacks/orgs/acme/t1/prod/us-east-2.yaml'), 4]);
});

test('import cycle: prints the cycle', () => {
  const r = qsa({
    'stacks/orgs/acme/t1/prod/us-east-2.yaml': 'import: [catalog/a]\n',
    'stacks/catalog/a.yaml': 'import: [catalog/b]\n',
    'stacks/catalog/b.yaml': 'import: [catalog/a]\n',
  });
  const e = errorOf(() => resolve(join(r, 'stacks/orgs/acme/t1/prod')));
  assert.match(e.message, 'import cycle: catalog/a.yaml -> catalog/b.yaml -> catalog/a.yaml');
  assert.is(e.pos?.file, join(r, 'stacks/catalog/b.yaml'));
});

test('chain: assume-role via an aws/user; via cycles; unknown provider; kind typo; missing account; provider without start_url', () => {
  const mk = (ids: string, providers = '    sso:\n      kind: aws/iam-identity-center\n      start_url: https://x\n      region: us-east-1\n') =>
    repo({ 'atmos.yaml': `base_path: "."\nauth:\n  providers:\n${providers}  identities:\n${ids}` });
  const ok = mk('    admin:\n      kind: aws/user\n      credentials: {region: us-east-1, mfa_arn: "arn:aws:iam::1:mfa/admin"}\n    role:\n      kind: aws/assume-role\n      via: {identity: admin}\n      principal: {assume_role: "arn:aws:iam::2:role/r"}\n');
  const res = resolve(ok, { ATMOS_IDENTITY: 'role' });
  assert.equal(res.chain, [
    { kind: 'aws/user', name: 'admin', region: 'us-east-1', mfaArn: 'arn:aws:iam::1:mfa/admin', sessionDuration: 43200 },
    { kind: 'aws/assume-role', name: 'role', roleArn: 'arn:aws:iam::2:role/r' },
  ]);
  const cyc = mk('    x:\n      kind: aws/assume-role\n      via: {identity: y}\n      principal: {assume_role: r}\n    y:\n      kind: aws/assume-role\n      via: {identity: x}\n      principal: {assume_role: r}\n');
  assert.match(errorOf(() => resolve(cyc, { ATMOS_IDENTITY: 'x' })).message, 'identity chain cycle: x -> y -> x');
  const unk = mk('    x:\n      kind: aws/permission-set\n      via: {provider: ssso}\n      principal: {name: P, account: {name: a}}\n');
  const eu = errorOf(() => resolve(unk, { ATMOS_IDENTITY: 'x' }));
  assert.match(eu.message, /provider 'ssso', which is not defined \(did you mean 'sso'\?\)/);
  assert.ok(eu.pos?.line);
  const typo = mk('    x:\n      kind: aws/permision-set\n      via: {provider: sso}\n      principal: {name: P, account: {name: a}}\n');
  const et = errorOf(() => resolve(typo, { ATMOS_IDENTITY: 'x' }));
  assert.match(et.message, /unsupported kind 'aws\/permision-set' \(did you mean 'aws\/permission-set'\?\)/);
  assert.match(et.render(), /supported identity kinds: aws\/permission-set, aws\/assume-role, aws\/user/);
  assert.is(et.pos?.line, 10);
  const noAcct = mk('    x:\n      kind: aws/permission-set\n      via: {provider: sso}\n      principal: {name: P}\n');
  assert.match(errorOf(() => resolve(noAcct, { ATMOS_IDENTITY: 'x' })).message, /needs principal.account/);
  const noUrl = mk('    x:\n      kind: aws/permission-set\n      via: {provider: sso}\n      principal: {name: P, account: {name: a}}\n', '    sso:\n      kind: aws/iam-identity-center\n      region: us-east-1\n');
  assert.match(errorOf(() => resolve(noUrl, { ATMOS_IDENTITY: 'x' })).message, /needs start_url/);
});

test('profiles: flag > ATMOS_PROFILE > profiles.default; comma list merges left to right', () => {
  const r = repo({
    'atmos.yaml': 'base_path: "."\nprofiles:\n  default: p1\nauth:\n  identities:\n    x:\n      kind: aws/assume-role\n      via: {provider: gh}\n      principal: {assume_role: base}\n  providers:\n    gh:\n      kind: github/oidc\n      region: us-east-1\n',
    'profiles/p1/atmos.yaml': 'auth:\n  identities:\n    x:\n      principal: {assume_role: p1}\n',
    'profiles/p2/atmos.yaml': 'auth:\n  identities:\n    x:\n      principal: {assume_role: p2}\n',
    'profiles/p2/extra.yaml': 'auth:\n  identities:\n    x:\n      default: true\n',
  });
  const role = (env: Record<string, string>, flag?: string) => {
    const res = resolve(r, { ATMOS_IDENTITY: 'x', ...env }, flag);
    const last = res.chain[res.chain.length - 1]!;
    return [res.profiles.join(','), last.kind === 'aws/assume-role' ? last.roleArn : ''];
  };
  assert.equal(role({}), ['p1', 'p1']);
  assert.equal(role({ ATMOS_PROFILE: 'p2' }), ['p2', 'p2']);
  assert.equal(role({ ATMOS_PROFILE: 'p2' }, 'p1'), ['p1', 'p1']);
  assert.equal(role({ ATMOS_PROFILE: 'p2,p1' }), ['p2,p1', 'p1']);
  assert.equal(role({ ATMOS_PROFILE: 'p1, p2' }), ['p1,p2', 'p2']);
  // every YAML of the profile dir merges: extra.yaml made x the config default
  const res = resolve(r, { ATMOS_PROFILE: 'p2' });
  assert.is(res.identity, 'x');
  assert.is(res.source, 'config');
  assert.equal(res.chain[0], { kind: 'github/oidc', name: 'gh', region: 'us-east-1', audience: 'sts.amazonaws.com' });
});

test('profiles: the four search locations in order; unknown profile lists the available ones', () => {
  const xdg = tempDir();
  const r = repo({
    'atmos.yaml': 'base_path: "."\nprofiles:\n  base_path: custom\nauth:\n  identities:\n    x: {kind: aws/user}\n',
    'custom/a/atmos.yaml': 'auth: {identities: {x: {credentials: {region: from-base-path}}}}\n',
    '.atmos/profiles/a/atmos.yaml': 'auth: {identities: {x: {credentials: {region: from-hidden}}}}\n',
    '.atmos/profiles/b/atmos.yaml': 'auth: {identities: {x: {credentials: {region: from-hidden}}}}\n',
    'profiles/b/atmos.yaml': 'auth: {identities: {x: {credentials: {region: from-project}}}}\n',
    'profiles/c/atmos.yaml': 'auth: {identities: {x: {credentials: {region: from-project}}}}\n',
    'profiles/d/atmos.yaml': 'auth: {identities: {x: {credentials: {region: from-project}}}}\n',
  });
  writeFiles(xdg, { 'atmos/profiles/c/atmos.yaml': 'auth: {identities: {x: {credentials: {region: from-xdg}}}}\n' });
  const region = (p: string) => resolve(r, { ATMOS_IDENTITY: 'x', XDG_CONFIG_HOME: xdg }, p).region;
  assert.is(region('a'), 'from-base-path');
  assert.is(region('b'), 'from-hidden');
  assert.is(region('c'), 'from-xdg');
  assert.is(region('d'), 'from-project');
  const e = errorOf(() => resolve(r, { XDG_CONFIG_HOME: xdg }, 'zz'));
  assert.match(e.message, "unknown profile 'zz' (from --profile); available: a, b, c, d");
});

test('an identity the active profile lacks: the error names the profiles that define it', () => {
  const r = qsa({}, ATMOS_YAML.replace(/  identities:[\s\S]*$/, '  identities: {}\n'));
  writeFiles(r, {
    'profiles/dev/atmos.yaml': 'auth:\n  identities:\n    a: {kind: aws/permission-set, via: {provider: sso}, principal: {name: P, account: {name: x}}}\n',
    'profiles/ops/atmos.yaml': 'auth:\n  identities:\n    b: {kind: aws/permission-set, via: {provider: sso}, principal: {name: P, account: {name: x}}}\n',
  });
  const e = errorOf(() => resolve(join(r, 'stacks/orgs/acme/t1/dev'), { ATMOS_PROFILE: 'ops' }));
  assert.match(e.render(), /profile ops/);
  assert.match(e.render(), /ATMOS_PROFILE=dev/);
  assert.is(resolve(join(r, 'stacks/orgs/acme/t1/dev'), { ATMOS_PROFILE: 'dev' }).identity, 'a');
});

test('config discovery: nearest parent, cwd config alone, ATMOS_CLI_CONFIG_PATH, atmos.d fragments, ATMOS_BASE_PATH', () => {
  const r = repo({
    'atmos.yaml': 'base_path: "."\nauth:\n  identities:\n    x: {kind: aws/user, credentials: {region: parent}}\n',
    'atmos.d/10-extra.yaml': 'auth:\n  identities:\n    y: {kind: aws/user, credentials: {region: fragment}}\n    x: {credentials: {region: fragment-loses}}\n',
    'sub/deeper/.keep': '',
    'own/atmos.yaml': 'auth:\n  identities:\n    x: {kind: aws/user, credentials: {region: own}}\n',
    'elsewhere/atmos.yaml': 'auth:\n  identities:\n    x: {kind: aws/user, credentials: {region: env-path}}\n',
  });
  const reg = (dir: string, env: Record<string, string> = {}) => resolve(dir, { ATMOS_IDENTITY: 'x', ...env }).region;
  assert.is(reg(join(r, 'sub/deeper')), 'parent');
  assert.is(resolve(join(r, 'sub'), { ATMOS_IDENTITY: 'y' }).region, 'fragment');
  assert.is(reg(join(r, 'own')), 'own');
  assert.is(resolve(join(r, 'own')).root, join(r, 'own'));
  assert.is(reg(join(r, 'sub'), { ATMOS_CLI_CONFIG_PATH: join(r, 'elsewhere') }), 'env-path');
  const b = repo({
    'atmos.yaml': 'base_path: "."\nstacks:\n  base_path: stacks\n  included_paths: ["**/*"]\n',
    'alt/stacks/s.yaml': 'vars: {}\n',
  });
  assert.equal(resolve(join(b, 'alt/stacks'), { ATMOS_BASE_PATH: join(b, 'alt') }).stacks, ['s']);
});

test('a leaf directory reads nothing of sibling stacks (cost independent of repo size)', () => {
  const r = qsa();
  const res = resolve(join(r, 'stacks/orgs/acme/t1/prod'));
  assert.not.ok(res.dirs.some((d) => d.includes('/t1/dev')), 'sibling stage dir not listed');
  assert.not.ok(res.files.some((f) => f.includes('/t1/dev/')), 'sibling files not read');
});

test.run();
