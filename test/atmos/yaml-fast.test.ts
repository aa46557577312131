// The js-yaml fast path gives the same trees and the same error positions as the `yaml`-package
// path it replaced; unknown tags and bad YAML fall back to the `yaml` package; positions are
// computed lazily (the `yaml` package is not even loaded until one is asked).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { globSync } from 'tinyglobby';
import { generateRepo } from '../../bench/gen-repo.ts';
import { ConfigError } from '../../src/errors.ts';
import { parseRaw, parseYaml, parseYamlSlow, posOf, YamlTag } from '../../src/atmos/yaml.ts';
import { acme, projectRoot } from './helpers.ts';

const ctx = { env: { ACME_OWNER: 'ada', NAME: 'bob' } as NodeJS.ProcessEnv, repoRoot: () => '/repo' };

/** Comparable form: YamlTags as [tag, value]; keeps NaN, -0 and key order. */
function norm(v: unknown): unknown {
  if (v instanceof YamlTag) return ['YamlTag', v.tag, norm(v.value)];
  if (Array.isArray(v)) return v.map(norm);
  if (v !== null && typeof v === 'object') return Object.entries(v).map(([k, x]) => [k, norm(x)]);
  if (typeof v === 'number' && (Number.isNaN(v) || Object.is(v, -0))) return String(Object.is(v, -0) ? '-0' : v);
  return v;
}

/** Every key position of the fast tree equals the slow tree's (walked in parallel). */
function samePositions(fast: unknown, slow: unknown, where: string, count: { n: number }): void {
  if (fast instanceof YamlTag && slow instanceof YamlTag) {
    assert.equal({ ...fast.pos }, { ...slow.pos }, `${where} tag position`);
    count.n++;
    return samePositions(fast.value, slow.value, where, count);
  }
  if (fast === null || typeof fast !== 'object' || slow === null || typeof slow !== 'object') return;
  for (const k of Object.keys(fast)) {
    const a = posOf(fast, k);
    const b = posOf(slow, k);
    assert.ok(a && b, `${where}.${k}: position known`);
    assert.equal({ file: a.file, line: a.line, col: a.col }, { file: b.file, line: b.line, col: b.col }, `${where}.${k}`);
    count.n++;
    samePositions((fast as Record<string, unknown>)[k], (slow as Record<string, unknown>)[k], `${where}.${k}`, count);
  }
}

function check(file: string, text: string, positions: boolean): void {
  const fast = parseYaml(text, file, ctx);
  const slow = parseYamlSlow(text, file, ctx);
  assert.equal(norm(fast), norm(slow), file);
  if (positions) {
    const count = { n: 0 };
    samePositions(fast, slow, file, count);
    assert.ok(count.n > 0 || Object.keys(fast as object).length === 0, `${file}: positions compared`);
  }
}

test('examples/acme: every YAML file gives the same tree and positions on both paths', () => {
  const files = globSync('**/*.{yaml,yml}', { cwd: acme, absolute: true });
  assert.ok(files.length > 20, `${files.length} files`);
  for (const f of files) check(f, readFileSync(f, 'utf8'), true);
});

test('generated bench repo: profiles and manifests give the same trees on both paths', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'atmos-auth-yaml-'));
  try {
    generateRepo(tmp, { manifests: 120, profiles: 4 });
    const files = globSync('**/*.yaml', { cwd: tmp, absolute: true });
    assert.ok(files.length > 100, `${files.length} files`);
    for (const f of files) check(f, readFileSync(f, 'utf8'), f.includes('/profiles/') || f.endsWith('us-east-2.yaml'));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

const TRICKY = `# scalars as the YAML 1.2 core schema (and go-yaml v3) read them
plain: [yes, no, on, off, y, n, True, FALSE, ~, null, Null, '', 2024-01-31, 2024-01-31T10:00:00Z, 12:30]
numbers: [0777, 0o17, 0x1F, 1_000, +12, -0, 1e3, 1., .5, .inf, -.Inf, .NaN, 0b101, 9007199254740993]
quoted: ["a\\tb", 'it''s', "\\u00e9"]
block: |
  line 1
    line 2
folded: >-
  a
  b
keys: {1: int, 1.5: float, true: bool, ~: null, "": empty}
dup: first
dup: second
base: &base
  x: 1
  y: &why [1, 2]
  tagged: &t !exec echo hi
merged:
  <<: *base
  y: override
multi:
  <<: [*base, {z: 3}]
alias_of_tag: *t
alias_of_list: *why
tags:
  env: !env NAME
  env_default: !env MISSING "some default"
  env_empty: !env MISSING
  root: !repo-root
  root_default: !repo-root /elsewhere
  scalar: !terraform.output vpc vpc_id
  quoted: !store "ssm/a b c"
  seq: !include.raw [a, b]
  map: !template {a: 1, b: [2, !env NAME]}
  aws: !aws.account_id
  aws2: !aws.caller_identity_arn
  lit: !literal "{{ .x }}"
  block: !exec |
    echo a
    echo b
  in_list:
    - !cwd
    - !random 1 10
    - plain
  store_get: !store.get ssm /x
  tf_state: !terraform.state vpc .id
`;

test('tricky YAML: scalars, merges, aliases, tags of every kind: same on both paths', () => {
  check('/t/tricky.yaml', TRICKY, true);
  const v = parseYaml(TRICKY, '/t/tricky.yaml', ctx) as Record<string, any>;
  assert.equal(v.plain.slice(0, 3), ['yes', 'no', 'on']);
  assert.is(v.plain[12], '2024-01-31');
  assert.is(v.dup, 'second');
  assert.equal(v.merged, { x: 1, y: 'override', tagged: v.merged.tagged });
  assert.is(v.tags.env, 'bob');
  assert.is(v.tags.env_default, 'some default');
  assert.is(v.tags.root, '/repo');
  assert.ok(v.tags.map instanceof YamlTag);
  assert.equal(v.tags.map.value, { a: 1, b: [2, 'bob'] });
  assert.is(v.tags.aws.tag, '!aws.account_id');
  assert.is(v.tags.block.value, 'echo a\necho b\n');
});

test('an unknown tag falls back to the yaml package and stays opaque, with positions', () => {
  const text = 'a:\n  x: !my.custom {k: 1}\n  y: !other scalar text\n  z: !env NAME\n';
  const v = parseYaml(text, '/t/u.yaml', ctx) as { a: { x: YamlTag; y: YamlTag; z: string } };
  assert.ok(v.a.x instanceof YamlTag);
  assert.is(v.a.x.tag, '!my.custom');
  assert.equal(v.a.x.value, { k: 1 });
  assert.is(v.a.y.value, 'scalar text');
  assert.is(v.a.z, 'bob');
  assert.equal({ ...posOf(v.a, 'y') }, { file: '/t/u.yaml', line: 3, col: 3 });
  assert.equal({ ...v.a.x.pos }, { file: '/t/u.yaml', line: 2, col: 17 }); // the value's start, as before
  check('/t/u.yaml', text, true);
});

test('raw trees are JSON data with tag markers (what the parse cache stores)', () => {
  const raw = parseRaw('a: !env NAME\nb: [!exec x]\n', '/t/r.yaml');
  assert.equal(JSON.parse(JSON.stringify(raw)), raw);
  assert.equal(raw, { a: { '\u0000tag': '!env', '\u0000value': 'NAME' }, b: [{ '\u0000tag': '!exec', '\u0000value': 'x' }] });
});

function errorOf(f: () => unknown): ConfigError {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e;
  }
  assert.unreachable('no error');
  throw new Error('unreachable');
}

test('bad YAML: the same file:line:col message as the yaml-package path', () => {
  for (const text of ['a: 1\nb: [1, 2\nc: 3\n', 'a: 1\n---\nb: 2\n', 'a:\n  - x\n  y: 1\n', 'a: *nope\n', 'a: "unterminated\n', 'a: 1\n a: 2\n']) {
    const fast = errorOf(() => parseYaml(text, '/t/bad.yaml', ctx));
    const slow = errorOf(() => parseYamlSlow(text, '/t/bad.yaml', ctx));
    assert.is(fast.render(), slow.render(), JSON.stringify(text));
    assert.match(fast.render(), /^\/t\/bad\.yaml:\d+:\d+: /);
  }
});

test('positions are lazy: the yaml package is loaded only when a line is asked', () => {
  const script = `
    import { createRequire } from 'node:module';
    import { parseYaml, posOf } from ${JSON.stringify(join(projectRoot, 'src/atmos/yaml.ts'))};
    const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('/node_modules/yaml/'));
    const v = parseYaml('a:\\n  b:\\n    c: !exec x\\n', '/t/l.yaml', { env: {}, repoRoot: () => undefined });
    const p = posOf(v.a.b, 'c');
    const before = loaded();
    const line = p.line, col = p.col;
    console.log(JSON.stringify({ before, after: loaded(), line, col, tagLine: v.a.b.c.pos.line }));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', cwd: projectRoot });
  assert.is(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout), { before: false, after: true, line: 3, col: 5, tagLine: 3 });
});

test('posOf: unknown objects have no position; merged copies neither', () => {
  const v = parseYaml('a: {b: 1}\n', '/t/p.yaml', ctx) as { a: object };
  assert.is(posOf({}, 'x'), undefined);
  assert.is(posOf({ ...v.a }, 'b'), undefined);
  assert.equal({ ...posOf(v.a, 'b') }, { file: '/t/p.yaml', line: 1, col: 5 });
  assert.equal({ ...posOf(v.a, 'nope') }, { file: '/t/p.yaml', line: 1, col: 4 }, 'falls back to the map itself');
});

test.run();
