// The parse cache: hit while a file keeps mtime/size/inode, miss when either changes, `!env`
// evaluated on every load, corrupt or unsafe entries ignored, entries private (0600), nothing stored
// for files written within the last two seconds, and the CLI re-parsing only the edited manifest.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, existsSync, readFileSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../src/errors.ts';
import { entryPathOf, readYamlFileCached } from '../../src/atmos/parse-cache.ts';
import { posOf, YamlTag } from '../../src/atmos/yaml.ts';
import { cli, repo, tempDir, writeFiles } from './helpers.ts';

const ctx = (env: Record<string, string> = {}) => ({ env: env as NodeJS.ProcessEnv, repoRoot: () => '/repo' });

/** Writes `text` to `file` with an mtime `ageS` seconds in the past. */
function write(file: string, text: string, ageS = 10): void {
  writeFileSync(file, text);
  const t = Date.now() / 1000 - ageS;
  utimesSync(file, t, t);
}

/** Replaces the tree stored for `file` (keeping its signature), to tell a hit from a re-parse. */
function tamper(file: string, cache: string, tree: unknown): void {
  const p = entryPathOf(file, cache);
  const e = JSON.parse(readFileSync(p, 'utf8')) as { tree: unknown };
  e.tree = tree;
  writeFileSync(p, JSON.stringify(e));
}

test('hit while mtime, size and inode stay; entry is 0600 in a 0700 directory', () => {
  const d = tempDir();
  const cache = join(d, 'cache');
  const f = join(d, 'a.yaml');
  write(f, 'a: 1\n');
  assert.equal(readYamlFileCached(f, ctx(), cache), { a: 1 });
  const entry = entryPathOf(f, cache);
  assert.ok(existsSync(entry));
  assert.is(statSync(entry).mode & 0o777, 0o600);
  assert.is(statSync(join(cache, 'yaml')).mode & 0o777, 0o700);
  tamper(f, cache, { a: 'from cache' });
  assert.equal(readYamlFileCached(f, ctx(), cache), { a: 'from cache' });
});

test('miss when the mtime changes (same size), or the size changes', () => {
  const d = tempDir();
  const cache = join(d, 'cache');
  const f = join(d, 'a.yaml');
  write(f, 'a: 1\n', 20);
  readYamlFileCached(f, ctx(), cache);
  tamper(f, cache, { a: 'stale' });
  write(f, 'a: 2\n', 10); // same size, new mtime
  assert.equal(readYamlFileCached(f, ctx(), cache), { a: 2 });
  tamper(f, cache, { a: 'stale' });
  writeFileSync(f, 'a: 333\n');
  const st = statSync(f);
  utimesSync(f, st.atime, new Date(Date.now() - 10_000)); // the same mtime as before is not needed: size differs
  assert.equal(readYamlFileCached(f, ctx(), cache), { a: 333 });
});

test('!env and !repo-root are evaluated on every load, not stored', () => {
  const d = tempDir();
  const cache = join(d, 'cache');
  const f = join(d, 'e.yaml');
  write(f, 'owner: !env OWNER nobody\nroot: !repo-root\nx: !exec rm -rf /\n');
  assert.equal((readYamlFileCached(f, ctx({ OWNER: 'ada' }), cache) as { owner: string }).owner, 'ada');
  const stored = readFileSync(entryPathOf(f, cache), 'utf8');
  assert.not.match(stored, 'ada');
  assert.match(stored, '!env');
  const v = readYamlFileCached(f, { env: { OWNER: 'bob' }, repoRoot: () => '/elsewhere' }, cache) as { owner: string; root: string; x: YamlTag };
  assert.is(v.owner, 'bob');
  assert.is(v.root, '/elsewhere');
  assert.ok(v.x instanceof YamlTag);
  assert.is(readYamlFileCached(f, ctx({}), cache) && (readYamlFileCached(f, ctx({}), cache) as { owner: string }).owner, 'nobody');
});

test('positions of a cached file are still file:line:col (looked up in the file)', () => {
  const d = tempDir();
  const cache = join(d, 'cache');
  const f = join(d, 'p.yaml');
  write(f, 'auth:\n  identities:\n    x:\n      kind: aws/nope\n');
  readYamlFileCached(f, ctx(), cache);
  const v = readYamlFileCached(f, ctx(), cache) as { auth: { identities: { x: object } } };
  assert.equal({ ...posOf(v.auth.identities.x, 'kind') }, { file: f, line: 4, col: 7 });
});

test('a corrupt, foreign-mode or mismatched entry is a miss and gets rewritten', () => {
  const d = tempDir();
  const cache = join(d, 'cache');
  const f = join(d, 'c.yaml');
  write(f, 'a: 1\n');
  readYamlFileCached(f, ctx(), cache);
  const entry = entryPathOf(f, cache);
  for (const junk of ['{not json', '', 'null', '{"v":1}', '{"v":99,"file":"x","sig":"y","tree":{"a":9}}']) {
    writeFileSync(entry, junk);
    assert.equal(readYamlFileCached(f, ctx(), cache), { a: 1 }, junk);
    assert.match(readFileSync(entry, 'utf8'), '"tree":{"a":1}', `rewritten after ${JSON.stringify(junk)}`);
  }
  tamper(f, cache, { a: 'group-readable' });
  chmodSync(entry, 0o644);
  assert.equal(readYamlFileCached(f, ctx(), cache), { a: 1 }, 'an entry others can read is not trusted');
});

test('nothing stored for a file written within the last two seconds; errors never stored', () => {
  const d = tempDir();
  const cache = join(d, 'cache');
  const f = join(d, 'fresh.yaml');
  writeFileSync(f, 'a: 1\n');
  assert.equal(readYamlFileCached(f, ctx(), cache), { a: 1 });
  assert.not.ok(existsSync(entryPathOf(f, cache)));
  const bad = join(d, 'bad.yaml');
  write(bad, 'a: [1\n');
  try {
    readYamlFileCached(bad, ctx(), cache);
    assert.unreachable();
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    assert.match((e as ConfigError).render(), /bad\.yaml:\d+:\d+: invalid YAML/);
  }
  assert.not.ok(existsSync(entryPathOf(bad, cache)));
  try {
    readYamlFileCached(join(d, 'missing.yaml'), ctx(), cache);
    assert.unreachable();
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    assert.match((e as ConfigError).render(), /missing\.yaml: cannot read: ENOENT/);
  }
});

test('CLI: after one manifest changed, only that file is parsed again; the answer follows the edit', () => {
  const r = repo({
    'atmos.yaml': 'base_path: "."\nstacks:\n  base_path: stacks\n  included_paths: ["**/*"]\n  excluded_paths: ["**/_defaults.yaml"]\n  name_pattern: "{stage}"\nprofiles:\n  base_path: profiles\n',
    'profiles/p/atmos.yaml': 'auth:\n  providers:\n    sso: {kind: aws/iam-identity-center, start_url: "https://x.awsapps.com/start", region: us-east-1}\n  identities:\n    one: {kind: aws/permission-set, via: {provider: sso}, principal: {name: PS, account: {id: "111111111111"}}}\n    two: {kind: aws/permission-set, via: {provider: sso}, principal: {name: PS, account: {id: "222222222222"}}}\n',
    'stacks/dev/_defaults.yaml': 'vars:\n  stage: dev\n',
    'stacks/dev/app.yaml': 'import: [dev/_defaults]\nauth:\n  identities:\n    one: {default: true}\n',
  });
  const files = ['atmos.yaml', 'profiles/p/atmos.yaml', 'stacks/dev/_defaults.yaml', 'stacks/dev/app.yaml'].map((p) => join(r, p));
  const old = Date.now() / 1000 - 60;
  for (const f of files) utimesSync(f, old, old);
  for (const dir of ['', 'profiles', 'profiles/p', 'stacks', 'stacks/dev']) utimesSync(join(r, dir), old, old);
  const home = tempDir('atmos-auth-home-');
  const env = { HOME: home, XDG_CACHE_HOME: join(home, '.cache'), ATMOS_PROFILE: 'p', ATMOS_LOGS_LEVEL: 'debug' };
  const run = () => cli(['resolve', '--json', '--dir', join(r, 'stacks/dev')], { env });
  const first = run();
  assert.is(first.code, 0, first.stderr);
  assert.is(JSON.parse(first.stdout).identity, 'one');
  assert.is(readdirSync(join(home, '.cache/atmos-auth/yaml')).length, 4);

  writeFiles(r, { 'stacks/dev/app.yaml': 'import: [dev/_defaults]\nauth:\n  identities:\n    two: {default: true}\n' });
  utimesSync(files[3]!, old + 30, old + 30);
  const second = run();
  assert.is(second.code, 0, second.stderr);
  assert.is(JSON.parse(second.stdout).identity, 'two');
  assert.match(second.stderr, 'resolution cache: stale');
  const hits = second.stderr.split('\n').filter((l) => l.includes('parse cache: hit')).map((l) => l.replace(/.*hit for /, ''));
  assert.equal(hits.sort(), files.slice(0, 3).sort(), 'every file but the edited one came from the parse cache');

  const nocache = cli(['resolve', '--json', '--no-cache', '--dir', join(r, 'stacks/dev')], { env });
  assert.is(nocache.code, 0, nocache.stderr);
  assert.equal(JSON.parse(nocache.stdout), JSON.parse(second.stdout));
  assert.not.match(nocache.stderr, 'cache: hit');
});

test.run();
