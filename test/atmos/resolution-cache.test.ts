// The resolution cache must be invisible except for speed: every edit that could change the
// answer (manifest, import, profile, atmos.yaml, a new file, an env var the YAML reads) is seen.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync, mkdtempSync, readdirSync, statSync, utimesSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readResolution, resolveDirectoryCached, type CacheKeyInput } from '../../src/atmos/resolution-cache.ts';

const example = new URL('../../examples/acme', import.meta.url).pathname;

/** Sets every mtime in the tree 60 s back, so the cache's racy-write guard lets entries in. */
function age(dir: string, seconds = 60): void {
  const t = new Date(Date.now() - seconds * 1000);
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      utimesSync(p, t, t);
    }
  };
  walk(dir);
  utimesSync(dir, t, t);
}

/** Writes a file, then ages it and its directory again (an edit made a while ago). */
function edit(file: string, text: string, root: string): void {
  writeFileSync(file, text);
  age(root, 30);
}

function setup() {
  const tmp = mkdtempSync(join(tmpdir(), 'atmos-auth-rc-'));
  const repo = join(tmp, 'acme');
  cpSync(example, repo, { recursive: true });
  age(tmp);
  const cache = join(tmp, 'cache');
  const dir = join(repo, 'stacks/orgs/acme/plat/dev');
  const env = { HOME: tmp, ATMOS_PROFILE: 'developers', PATH: process.env.PATH ?? '' } as NodeJS.ProcessEnv;
  const key: CacheKeyInput = { dir, env };
  return { tmp, repo, cache, dir, env, key };
}

test('a second resolve of an unchanged repo is a cache hit with the same answer', async () => {
  const s = setup();
  assert.is(readResolution(s.key, s.cache), null);
  const first = await resolveDirectoryCached({ dir: s.dir, env: s.env, cacheDir: s.cache });
  const hit = readResolution(s.key, s.cache);
  assert.ok(hit, 'entry stored');
  assert.equal(hit, first);
  assert.is(first.identity, 'plat-dev/terraform');
  const mode = statSync(join(s.cache, 'resolve', readdirSync(join(s.cache, 'resolve'))[0]!)).mode & 0o777;
  assert.is(mode, 0o600);
  rmSync(s.tmp, { recursive: true, force: true });
});

test('editing the stack defaults, a profile, or atmos.yaml invalidates the entry', async () => {
  const s = setup();
  await resolveDirectoryCached({ dir: s.dir, env: s.env, cacheDir: s.cache });
  const defaults = join(s.repo, 'stacks/orgs/acme/plat/dev/_defaults.yaml');
  edit(defaults, readFileSync(defaults, 'utf8').replace('plat-dev/terraform', 'plat-sandbox/terraform'), s.tmp);
  assert.is(readResolution(s.key, s.cache), null, 'manifest edit seen');
  const r = await resolveDirectoryCached({ dir: s.dir, env: s.env, cacheDir: s.cache });
  assert.is(r.identity, 'plat-sandbox/terraform');
  assert.ok(readResolution(s.key, s.cache));

  const profile = join(s.repo, 'profiles/developers/atmos.yaml');
  edit(profile, readFileSync(profile, 'utf8').replace(/TerraformApplyAccess/g, 'TerraformPlanAccess'), s.tmp);
  assert.is(readResolution(s.key, s.cache), null, 'profile edit seen');
  const r2 = await resolveDirectoryCached({ dir: s.dir, env: s.env, cacheDir: s.cache });
  const last = r2.chain[r2.chain.length - 1]!;
  assert.is(last.kind === 'aws/permission-set' ? last.permissionSet : '', 'TerraformPlanAccess');

  const atmos = join(s.repo, 'atmos.yaml');
  edit(atmos, readFileSync(atmos, 'utf8').replace('region: us-east-1', 'region: us-west-1'), s.tmp);
  assert.is(readResolution(s.key, s.cache), null, 'atmos.yaml edit seen');
  rmSync(s.tmp, { recursive: true, force: true });
});

test('a new manifest in the directory, or a new profile file, invalidates the entry', async () => {
  const s = setup();
  await resolveDirectoryCached({ dir: s.dir, env: s.env, cacheDir: s.cache });
  edit(join(s.dir, 'eu-west-1.yaml'), 'import:\n  - orgs/acme/plat/dev/_defaults\nvars:\n  region: eu-west-1\n  environment: euw1\n', s.tmp);
  assert.is(readResolution(s.key, s.cache), null, 'new manifest seen');
  const r = await resolveDirectoryCached({ dir: s.dir, env: s.env, cacheDir: s.cache });
  assert.ok(r.stacks.includes('plat-euw1-dev'), r.stacks.join(','));
  assert.ok(readResolution(s.key, s.cache));
  edit(join(s.repo, 'profiles/developers/extra.yaml'), 'auth: {}\n', s.tmp);
  assert.is(readResolution(s.key, s.cache), null, 'new profile file seen');
  rmSync(s.tmp, { recursive: true, force: true });
});

test('a config file appearing where discovery looked (~/.atmos, atmos.d) invalidates the entry', async () => {
  const s = setup();
  const r0 = await resolveDirectoryCached({ dir: s.dir, env: s.env, cacheDir: s.cache });
  assert.ok((r0.absent ?? []).includes(join(s.tmp, '.atmos', 'atmos.yaml')), 'home config probe recorded');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(join(s.tmp, '.atmos'));
  edit(join(s.tmp, '.atmos', 'atmos.yaml'), 'logs:\n  level: Debug\n', s.tmp);
  assert.is(readResolution(s.key, s.cache), null, 'home config seen');
  await resolveDirectoryCached({ dir: s.dir, env: s.env, cacheDir: s.cache });
  assert.ok(readResolution(s.key, s.cache));
  mkdirSync(join(s.repo, 'atmos.d'));
  edit(join(s.repo, 'atmos.d', 'extra.yaml'), 'logs:\n  level: Info\n', s.tmp);
  assert.is(readResolution(s.key, s.cache), null, 'atmos.d fragment seen');
  rmSync(s.tmp, { recursive: true, force: true });
});

test('environment: another ATMOS_PROFILE is another entry; a variable read by !env is validated', async () => {
  const s = setup();
  await resolveDirectoryCached({ dir: s.dir, env: s.env, cacheDir: s.cache });
  const managers = { ...s.env, ATMOS_PROFILE: 'managers' };
  assert.is(readResolution({ dir: s.dir, env: managers }, s.cache), null);
  const m = await resolveDirectoryCached({ dir: s.dir, env: managers, cacheDir: s.cache });
  const last = m.chain[m.chain.length - 1]!;
  assert.is(last.kind === 'aws/permission-set' ? last.permissionSet : '', 'TerraformPlanAccess');
  assert.ok(readResolution(s.key, s.cache), 'developers entry still there');

  // A manifest whose region comes from !env: changing that variable must invalidate.
  const leaf = join(s.dir, 'us-east-2.yaml');
  edit(leaf, readFileSync(leaf, 'utf8') + '\nsettings:\n  probe: !env ATMOS_AUTH_TEST_PROBE\n', s.tmp);
  const env1 = { ...s.env, ATMOS_AUTH_TEST_PROBE: 'one' };
  await resolveDirectoryCached({ dir: s.dir, env: env1, cacheDir: s.cache });
  assert.ok(readResolution({ dir: s.dir, env: env1 }, s.cache), 'hit with the same value');
  assert.is(readResolution({ dir: s.dir, env: { ...s.env, ATMOS_AUTH_TEST_PROBE: 'two' } }, s.cache), null, 'changed !env value seen');
  rmSync(s.tmp, { recursive: true, force: true });
});

test('a corrupt or foreign-readable entry is ignored, not trusted', async () => {
  const s = setup();
  await resolveDirectoryCached({ dir: s.dir, env: s.env, cacheDir: s.cache });
  const f = join(s.cache, 'resolve', readdirSync(join(s.cache, 'resolve'))[0]!);
  writeFileSync(f, '{"v":1,"resolution":');
  assert.is(readResolution(s.key, s.cache), null, 'truncated');
  const r = await resolveDirectoryCached({ dir: s.dir, env: s.env, cacheDir: s.cache });
  assert.is(r.identity, 'plat-dev/terraform');
  const { chmodSync } = await import('node:fs');
  chmodSync(f, 0o644);
  assert.is(readResolution(s.key, s.cache), null, 'world-readable entry refused');
  rmSync(s.tmp, { recursive: true, force: true });
});

test('an entry holding another key (a file-name hash collision) is a miss, not that answer', async () => {
  const s = setup();
  await resolveDirectoryCached({ dir: s.dir, env: s.env, cacheDir: s.cache });
  const f = join(s.cache, 'resolve', readdirSync(join(s.cache, 'resolve'))[0]!);
  const entry = JSON.parse(readFileSync(f, 'utf8')) as { key: string; resolution: { identity: string } };
  assert.ok(entry.key.includes(s.dir), 'the entry records its key');
  assert.is(readResolution(s.key, s.cache)?.identity, 'plat-dev/terraform');
  // Same file, as if another directory's key had hashed to this name.
  writeFileSync(f, JSON.stringify({ ...entry, key: entry.key.replace('plat/dev', 'plat/prod'), resolution: { ...entry.resolution, identity: 'plat-prod/terraform' } }), { mode: 0o600 });
  assert.is(readResolution(s.key, s.cache), null);
  rmSync(s.tmp, { recursive: true, force: true });
});

test.run();
