// bench/gen-repo.ts: a small generated repo has the expected files, every YAML file parses, and the
// CLI resolves a leaf directory of it as it resolves examples/acme.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { globSync } from 'tinyglobby';
import { generateRepo } from '../bench/gen-repo.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const tmp = mkdtempSync(path.join(tmpdir(), 'atmos-auth-gen-'));
const repo = path.join(tmp, 'repo');
// 250 manifests: 3 tenants (two full, one partial), every stage and region of a full tenant.
const gen = generateRepo(repo, { manifests: 250, profiles: 4 });

test.after(() => rmSync(tmp, { recursive: true, force: true }));

test('layout: atmos.yaml, org/tenant/stage defaults, leaf manifests, mixins, catalog, profiles', () => {
  assert.is(gen.manifests, 250);
  assert.equal(gen.tenants, ['core', 'plat', 'data']);
  assert.equal(gen.profiles, ['devops', 'developers', 'managers', 'team-04']);
  for (const f of ['atmos.yaml', 'stacks/orgs/acme/_defaults.yaml', 'stacks/catalog/vpc/defaults.yaml', 'stacks/catalog/eks/defaults.yaml', 'components/terraform/vpc/main.tf']) {
    assert.ok(existsSync(path.join(repo, f)), f);
  }
  const leaves = globSync('stacks/orgs/**/*.yaml', { cwd: repo, ignore: ['**/_defaults.yaml'] });
  assert.is(leaves.length, 250);
  assert.ok(leaves.includes('stacks/orgs/acme/plat/prod/us-west-2.yaml'));
  // The partial tenant stops after 50 manifests: 5 stages of 10 regions.
  assert.is(globSync('stacks/orgs/acme/data/*/_defaults.yaml', { cwd: repo }).length, 5);
  assert.is(globSync('stacks/mixins/region/*.yaml', { cwd: repo }).length, 10);
  assert.is(gen.leafDirs.length, 25);
  assert.is(globSync('profiles/*/atmos.yaml', { cwd: repo }).length, 4);
});

test('every YAML file parses (Atmos tags allowed), and the contents follow the example', () => {
  const files = globSync('**/*.yaml', { cwd: repo });
  assert.ok(files.length > 280);
  for (const f of files) {
    const doc = parseDocument(readFileSync(path.join(repo, f), 'utf8'), { customTags: [] });
    assert.is(doc.errors.length, 0, `${f}: ${doc.errors[0]?.message}`);
  }
  const cfg = parseDocument(readFileSync(path.join(repo, 'atmos.yaml'), 'utf8')).toJS() as { stacks: Record<string, unknown> };
  assert.equal(cfg.stacks['included_paths'], ['orgs/**/*']);
  assert.equal(cfg.stacks['excluded_paths'], ['**/_defaults.yaml']);
  assert.is(cfg.stacks['name_template'], '{{ .vars.tenant }}-{{ .vars.environment }}-{{ .vars.stage }}');

  const stage = parseDocument(readFileSync(path.join(repo, 'stacks/orgs/acme/plat/dev/_defaults.yaml'), 'utf8')).toJS();
  assert.equal(stage, { import: ['orgs/acme/plat/_defaults'], vars: { stage: 'dev' }, auth: { identities: { 'plat-dev/terraform': { default: true } } } });

  const leaf = parseDocument(readFileSync(path.join(repo, 'stacks/orgs/acme/plat/dev/eu-west-1.yaml'), 'utf8')).toJS() as { import: string[] };
  assert.equal(leaf.import, ['orgs/acme/plat/dev/_defaults', 'mixins/region/eu-west-1', 'catalog/vpc/defaults', 'catalog/eks/defaults']);

  const profile = parseDocument(readFileSync(path.join(repo, 'profiles/developers/atmos.yaml'), 'utf8')).toJS() as {
    auth: { identities: Record<string, { kind: string; via: { provider: string }; principal: { account: { name: string } } }> };
  };
  const ids = profile.auth.identities;
  assert.is(Object.keys(ids).length, 25); // one per tenant-stage
  assert.is(ids['data-uat/terraform']?.kind, 'aws/permission-set');
  assert.is(ids['data-uat/terraform']?.via.provider, 'acme-sso');
  assert.is(ids['data-uat/terraform']?.principal.account.name, 'data-uat');
  assert.is(ids['data-prod/terraform'], undefined);
});

test('the CLI resolves a leaf stage directory of the generated repo', () => {
  const cli = path.join(root, 'dist/atmos-auth.mjs');
  const home = path.join(tmp, 'home');
  const r = spawnSync(process.execPath, [cli, 'resolve', '--json'], {
    cwd: path.join(repo, 'stacks/orgs/acme/plat/staging'),
    env: { PATH: process.env['PATH'], HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), XDG_CACHE_HOME: path.join(home, '.cache'), ATMOS_PROFILE: 'developers' },
    encoding: 'utf8',
  });
  assert.is(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { stacks: string[]; identity: string; source: string; chain: Array<{ kind: string; name: string }> };
  assert.is(out.stacks.length, 10);
  assert.ok(out.stacks.includes('plat-use2-staging'), out.stacks.join(','));
  assert.ok(out.stacks.includes('plat-apne1-staging'), out.stacks.join(','));
  assert.is(out.identity, 'plat-staging/terraform');
  assert.is(out.source, 'stack');
  assert.equal(out.chain.map((h) => h.kind), ['aws/iam-identity-center', 'aws/permission-set']);
});

test.run();
