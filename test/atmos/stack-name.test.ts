// Stack names: name > name_template > name_pattern > path, as Atmos decides them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { stackName, stackNameFromPath } from '../../src/atmos/stack-name.ts';
import { ConfigError } from '../../src/errors.ts';

const base = '/repo/stacks';
const manifestPath = '/repo/stacks/orgs/acme/plat/dev/us-east-2.yaml';
const vars = { namespace: 'acme', tenant: 'plat', environment: 'ue2', stage: 'dev', region: 'us-east-2' };
const TEMPLATE = '{{ .vars.tenant }}-{{ .vars.environment }}-{{ .vars.stage }}';
const PATTERN = '{tenant}-{environment}-{stage}';

function errorOf(f: () => unknown): ConfigError {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

test('path fallback: relative to the stacks base, without the extension', () => {
  assert.is(stackName({ manifestPath, stacksBasePath: base, merged: { vars } }), 'orgs/acme/plat/dev/us-east-2');
  assert.is(stackNameFromPath('/repo/stacks/a/b.yml', base), 'a/b');
  assert.is(stackNameFromPath('/repo/stacks/a/b.yaml.tmpl', base), 'a/b');
  assert.is(stackNameFromPath('/repo/stacks/a/b.yml.tmpl', base), 'a/b');
  assert.is(stackNameFromPath('/repo/stacks/prod.yaml', base), 'prod');
  // Only the last extension goes: a dot inside the name stays.
  assert.is(stackNameFromPath('/repo/stacks/v1.2/prod.yaml', base), 'v1.2/prod');
});

test('name_template renders over the merged manifest', () => {
  assert.is(stackName({ manifestPath, stacksBasePath: base, merged: { vars }, nameTemplate: TEMPLATE }), 'plat-ue2-dev');
  assert.is(
    stackName({ manifestPath, stacksBasePath: base, merged: { settings: { context: { environment: 'use2', stage: 'prod' } } }, nameTemplate: '{{ .settings.context.environment }}-{{ .settings.context.stage }}' }),
    'use2-prod',
  );
  const optional = '{{ if .vars.tenant }}{{ .vars.tenant }}-{{ end }}{{ .vars.environment }}-{{ .vars.stage }}';
  assert.is(stackName({ manifestPath, stacksBasePath: base, merged: { vars }, nameTemplate: optional }), 'plat-ue2-dev');
  assert.is(stackName({ manifestPath, stacksBasePath: base, merged: { vars: { ...vars, tenant: '' } }, nameTemplate: optional }), 'ue2-dev');
});

test('name_template wins over name_pattern; name wins over both', () => {
  const merged = { vars };
  assert.is(stackName({ manifestPath, stacksBasePath: base, merged, nameTemplate: '{{ .vars.stage }}', namePattern: PATTERN }), 'dev');
  assert.is(stackName({ manifestPath, stacksBasePath: base, merged: { ...merged, name: 'legacy-prod' }, nameTemplate: TEMPLATE, namePattern: PATTERN }), 'legacy-prod');
  assert.is(stackName({ manifestPath, stacksBasePath: base, merged: { ...merged, name: 'legacy-prod' } }), 'legacy-prod');
});

test('name: only a non-empty string counts (as Atmos type-asserts a string)', () => {
  assert.is(stackName({ manifestPath, stacksBasePath: base, merged: { vars, name: '' }, nameTemplate: TEMPLATE }), 'plat-ue2-dev');
  assert.is(stackName({ manifestPath, stacksBasePath: base, merged: { vars, name: 42 }, nameTemplate: TEMPLATE }), 'plat-ue2-dev');
  assert.is(stackName({ manifestPath, stacksBasePath: base, merged: { vars, name: { x: 1 } } }), 'orgs/acme/plat/dev/us-east-2');
});

test('name_pattern: tokens from vars, joined with -', () => {
  assert.is(stackName({ manifestPath, stacksBasePath: base, merged: { vars }, namePattern: PATTERN }), 'plat-ue2-dev');
  assert.is(stackName({ manifestPath, stacksBasePath: base, merged: { vars }, namePattern: '{namespace}-{tenant}-{environment}-{stage}' }), 'acme-plat-ue2-dev');
  assert.is(stackName({ manifestPath, stacksBasePath: base, merged: { vars }, namePattern: '{environment}-{stage}' }), 'ue2-dev');
  // As in Atmos (GetContextPrefix), parts that are not exactly a token are ignored.
  assert.is(stackName({ manifestPath, stacksBasePath: base, merged: { vars }, namePattern: 'x-{stage}-{region}' }), 'dev');
});

test('name_pattern: a missing var is an error naming the var and the manifest', () => {
  const where = { file: '/repo/atmos.yaml', line: 9, col: 17 };
  const e = errorOf(() => stackName({ manifestPath, stacksBasePath: base, merged: { vars: { tenant: 'plat', stage: 'dev' } }, namePattern: PATTERN, where }));
  assert.match(e.message, "specifies 'environment'");
  assert.match(e.message, 'orgs/acme/plat/dev/us-east-2');
  assert.match(e.message, '/repo/atmos.yaml:9:17');
  assert.equal(e.pos, { file: manifestPath });
  assert.match(e.hint ?? '', 'vars.environment');
  // Non-string values do not count (Atmos reads them with a string type assertion).
  const e2 = errorOf(() => stackName({ manifestPath, stacksBasePath: base, merged: { vars: { ...vars, stage: 1 } }, namePattern: PATTERN }));
  assert.match(e2.message, "specifies 'stage'");
  assert.match(e2.message, 'as a string (it is 1)');
  // No vars at all.
  assert.match(errorOf(() => stackName({ manifestPath, stacksBasePath: base, merged: {}, namePattern: PATTERN })).message, "specifies 'tenant'");
  // A pattern without any token.
  assert.match(errorOf(() => stackName({ manifestPath, stacksBasePath: base, merged: { vars }, namePattern: '{tenant}_{stage}' })).message, 'has no {namespace}');
});

test('name_template: a missing var is an error naming the key, the stack, the manifest and the setting', () => {
  const where = { file: '/repo/atmos.yaml', line: 18, col: 18 };
  const e = errorOf(() => stackName({ manifestPath, stacksBasePath: base, merged: { vars: { tenant: 'plat', stage: 'dev' } }, nameTemplate: TEMPLATE, where }));
  assert.match(e.message, 'map has no entry for key "environment"');
  assert.match(e.message, 'orgs/acme/plat/dev/us-east-2');
  assert.match(e.message, 'stacks.name_template (/repo/atmos.yaml:18:18)');
  assert.equal(e.pos, { file: manifestPath });
  assert.match(e.render(), `${manifestPath}: cannot name stack`);
});

test('name_template: syntax errors point at the setting, not the manifest', () => {
  const where = { file: '/repo/atmos.yaml', line: 18, col: 18 };
  const e = errorOf(() => stackName({ manifestPath, stacksBasePath: base, merged: { vars }, nameTemplate: '{{ range .vars }}{{ end }}', where }));
  assert.equal(e.pos, where);
  assert.match(e.message, '{{range}} is not supported');
});

test('name_template: an empty result is an error', () => {
  const e = errorOf(() => stackName({ manifestPath, stacksBasePath: base, merged: { vars: { ...vars, stage: '' } }, nameTemplate: '{{ .vars.stage }}' }));
  assert.match(e.message, 'empty name');
});

test('naming many stacks with one template', () => {
  const names = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    names.add(stackName({ manifestPath: `${base}/orgs/acme/t${i}.yaml`, stacksBasePath: base, merged: { vars: { tenant: `t${i}`, environment: 'ue2', stage: 'dev' } }, nameTemplate: TEMPLATE }));
  }
  assert.is(names.size, 2000);
});

test.run();
