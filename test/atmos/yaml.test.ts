import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError } from '../../src/errors.ts';
import { deepMerge } from '../../src/atmos/merge.ts';
import { parseYaml, posOf, YamlTag } from '../../src/atmos/yaml.ts';

const ctx = { env: { NAME: 'ada' } as NodeJS.ProcessEnv, repoRoot: () => '/repo' };

test('!env is evaluated, with default', () => {
  const v = parseYaml('a: !env NAME\nb: !env MISSING fallback\nc: !env MISSING\n', 'f.yaml', ctx) as Record<string, unknown>;
  assert.equal(v, { a: 'ada', b: 'fallback', c: '' });
});

test('!repo-root is evaluated', () => {
  const v = parseYaml('r: !repo-root\n', 'f.yaml', ctx) as Record<string, unknown>;
  assert.is(v.r, '/repo');
});

test('other tags stay opaque, never evaluated', () => {
  const v = parseYaml('x: !exec rm -rf /\ny: !terraform.state vpc id\nz: !store s k\nw: !unknown.tag {a: 1}\n', 'f.yaml', ctx) as { x: YamlTag; y: YamlTag; z: YamlTag; w: YamlTag };
  assert.ok(v.x instanceof YamlTag);
  assert.is(v.x.tag, '!exec');
  assert.is(v.x.value, 'rm -rf /');
  assert.is(v.y.tag, '!terraform.state');
  assert.is(v.z.tag, '!store');
  assert.equal(v.w.value, { a: 1 });
});

test('positions of keys are kept (1-based line:col)', () => {
  const v = parseYaml('a:\n  b:\n    c: 1\n', 'f.yaml', ctx) as { a: { b: object } };
  assert.equal(posOf(v.a.b, 'c'), { file: 'f.yaml', line: 3, col: 5 });
});

test('malformed YAML: ConfigError with file:line:col', () => {
  try {
    parseYaml('a: 1\nb: [1, 2\nc: 3\n', 'bad.yaml', ctx);
    assert.unreachable();
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    assert.match((e as ConfigError).render(), /^bad\.yaml:\d+:\d+: invalid YAML/);
  }
});

test('anchors, aliases and merge keys', () => {
  const v = parseYaml('base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  y: 3\n', 'f.yaml', ctx) as Record<string, unknown>;
  assert.equal(v.d, { x: 1, y: 3 });
});

test('empty file is an empty map', () => {
  assert.equal(parseYaml('', 'f.yaml', ctx), {});
  assert.equal(parseYaml('# only a comment\n', 'f.yaml', ctx), {});
});

test('deepMerge: maps merge, lists replace, later wins, inputs untouched', () => {
  const a = { m: { x: 1, l: [1, 2] }, k: 'a' };
  const b = { m: { y: 2, l: [3] }, k: 'b' };
  const out = deepMerge(a, b);
  assert.equal(out, { m: { x: 1, l: [3], y: 2 }, k: 'b' });
  assert.equal(a, { m: { x: 1, l: [1, 2] }, k: 'a' });
  assert.equal(b, { m: { y: 2, l: [3] }, k: 'b' });
});

test.run();
