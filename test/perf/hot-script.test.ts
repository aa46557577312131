// The hot scripts (dist/hot.js, dist/engine.js) and their V8 code caches, through the built CLI
// and the emulator: where the caches live and how they are protected (0600 files in a 0700 dir,
// header and route list), when they are written and when left alone, that a damaged or unsafe
// cache is ignored and replaced, NODE_DISABLE_COMPILE_CACHE, the removal of other builds' caches,
// that the hot path answers exactly as the full CLI from source does, and that a hand-over to the
// full CLI prints nothing twice. No timing here (bench/run.ts measures).
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startFakeAws } from '../fake-aws/server.ts';
import { ageTree, cli, parseExports, ROOT, sandbox } from '../e2e/helpers.ts';
import type { RunResult, Sandbox } from '../e2e/helpers.ts';

const fake = await startFakeAws();
const sb = sandbox(fake);
const dev = sb.stackDir('plat/dev');
const debug = { ATMOS_LOGS_LEVEL: 'debug' };
const cacheDir = join(sb.env.XDG_CACHE_HOME!, 'atmos-auth-v8cache');
const credsDir = join(sb.env.XDG_CACHE_HOME!, 'atmos-auth/credentials');
const MAGIC = 'atmos-auth hot cache 1\n';
const HANDOVER = /^atmos-auth debug: hot script: .*the full CLI takes over$/gm;

/** Sandboxes made by a test besides `sb` (removed at the end). */
const extra: Sandbox[] = [];

test.after(async () => {
  await fake.close();
  sb.cleanup();
  for (const s of extra) s.cleanup();
});

/** Rewrites `rel` of the acme copy with the same content, mtime 10 s ago (a manifest edit). */
function touchManifest(rel: string): void {
  const file = join(sb.acme, rel);
  writeFileSync(file, readFileSync(file));
  const t = Date.now() / 1000 - 10;
  utimesSync(file, t, t);
}

/** The id the build gives a script (scripts/build.ts): its content hash, 16 hex digits. */
function scriptId(kind: 'hot' | 'engine'): string {
  return createHash('sha256').update(readFileSync(join(ROOT, 'dist', `${kind}.js`), 'utf8')).digest('hex').slice(0, 16);
}

/** The cache file name bin.ts uses for this build, this Node and no NODE_OPTIONS. */
function cacheName(kind: 'hot' | 'engine'): string {
  return `${kind}-${scriptId(kind)}-${process.version}-${process.arch}.v8`;
}

/** The `hot-*` / `engine-*` cache files in the cache directory (none when it is missing). */
function cacheFiles(kind?: 'hot' | 'engine'): string[] {
  if (!existsSync(cacheDir)) return [];
  return readdirSync(cacheDir).filter((f) => f.endsWith('.v8') && (kind ? f.startsWith(`${kind}-`) : /^(hot|engine)-/.test(f))).sort();
}

/** A cache file's parts: mode, inode, mtime, bytes, and the header and route list when valid. */
function inspect(kind: 'hot' | 'engine') {
  const file = join(cacheDir, cacheName(kind));
  const st = statSync(file);
  const bytes = readFileSync(file);
  const headerOk = bytes.toString('latin1', 0, MAGIC.length) === MAGIC;
  const eol = bytes.indexOf(10, MAGIC.length);
  let routes: unknown = null;
  try {
    routes = headerOk && eol > 0 ? JSON.parse(bytes.toString('utf8', MAGIC.length, eol)) : null;
  } catch {
    routes = null;
  }
  return { file, mode: st.mode & 0o777, ino: st.ino, mtimeMs: st.mtimeMs, bytes, headerOk, routes, v8: eol > 0 ? bytes.subarray(eol + 1) : Buffer.alloc(0) };
}

/** Asserts a cache file is well formed: 0600 in a 0700 dir, magic line, non-empty string routes, V8 bytes. */
function assertValidCache(kind: 'hot' | 'engine', what: string) {
  const c = inspect(kind);
  assert.is(c.mode, 0o600, `${what}: ${kind} cache mode ${c.mode.toString(8)}`);
  assert.is(statSync(cacheDir).mode & 0o777, 0o700, `${what}: cache dir mode`);
  assert.ok(c.headerOk, `${what}: ${kind} cache header`);
  assert.ok(Array.isArray(c.routes) && c.routes.length > 0 && c.routes.every((r) => typeof r === 'string'), `${what}: ${kind} cache routes ${JSON.stringify(c.routes)}`);
  assert.ok(c.v8.length > 0, `${what}: ${kind} cache holds V8 data`);
  return c;
}

/** `export --format zsh` in plat/dev through the built CLI; asserts exit 0 and no hand-over. */
async function warmExport(env: Record<string, string> = {}): Promise<RunResult> {
  const r = await cli(sb, ['export', '--format', 'zsh'], { cwd: dev, env: { ...debug, ...env } });
  assert.is(r.code, 0, r.stderr);
  return r;
}

/** Runs src/cli.ts from source (never the hot scripts) with the sandbox's environment. */
function fromSource(s: Sandbox, args: string[], cwd: string): Promise<RunResult> {
  return cli(s, args, { cwd, script: join(ROOT, 'src/cli.ts') });
}

/** Removes every cached credential (the next export needs GetRoleCredentials: a hand-over). */
function dropCredentials(dir: string = credsDir): void {
  if (!existsSync(dir)) return;
  for (const f of readdirSync(dir)) rmSync(join(dir, f), { recursive: true, force: true });
}

/** The stdout of a warm export, as the first test saw it (the reference for the damage tests). */
let reference = '';

test('setup: first export logs in (hand-over), the next ones run in the hot script', async () => {
  ageTree(sb.acme);
  const first = await warmExport();
  assert.is(parseExports(first.stdout).ATMOS_AUTH_IDENTITY, 'plat-dev/terraform');
  assert.is(fake.count('GetRoleCredentials'), 1);
  assert.is(first.stderr.match(HANDOVER)?.length, 1, 'credentials were not cached: the full CLI took over once');
  const warm = await warmExport();
  assert.is(warm.stderr.match(HANDOVER), null, warm.stderr);
  assert.match(warm.stderr, /credentials cache hit for plat-dev\/terraform/);
  reference = warm.stdout;
  assert.is(parseExports(reference).ATMOS_AUTH_IDENTITY, 'plat-dev/terraform');
});

test('warm export: hot cache 0600 in a 0700 dir, valid header and routes; an identical run leaves it alone', async () => {
  const name = cacheName('hot');
  assert.equal(cacheFiles('hot'), [name]);
  assert.match(name, /^hot-[0-9a-f]{16}-v\d+\.\d+\.\d+-[a-z0-9]+\.v8$/);
  const before = assertValidCache('hot', 'after warm export');
  assert.ok((before.routes as string[]).some((r) => r.startsWith('export:')), JSON.stringify(before.routes));
  const r = await warmExport();
  assert.is(r.stdout, reference);
  const after = inspect('hot');
  assert.is(after.ino, before.ino, 'same file (not replaced)');
  assert.is(after.mtimeMs, before.mtimeMs, 'not rewritten');
  assert.ok(after.bytes.equals(before.bytes), 'same bytes');
  const again = await warmExport();
  assert.is(again.stdout, r.stdout);
  assert.is(inspect('hot').ino, before.ino);
});

test('edited manifest: the engine script runs and gets its own cache; output still right', async () => {
  for (const f of cacheFiles('engine')) rmSync(join(cacheDir, f));
  touchManifest('stacks/orgs/acme/plat/dev/_defaults.yaml');
  const r = await warmExport();
  assert.match(r.stderr, /resolution cache: stale, .*_defaults\.yaml changed/);
  assert.is(r.stderr.match(HANDOVER), null, 'the engine is part of the hot scripts: no hand-over');
  const env = parseExports(r.stdout);
  assert.is(env.ATMOS_AUTH_IDENTITY, 'plat-dev/terraform');
  assert.is(env.ATMOS_AUTH_PROFILE, 'developers');
  assert.is(env.ATMOS_AUTH_ACCESS, 'apply');
  assert.ok(env.AWS_ACCESS_KEY_ID);
  assert.is(r.stdout, reference, 'same content, same answer');
  assert.equal(cacheFiles('engine'), [cacheName('engine')]);
  assertValidCache('engine', 'after a resolution miss');
  assertValidCache('hot', 'after a resolution miss');
  // The next warm run hits the resolution cache again and answers the same.
  const warm = await warmExport();
  assert.match(warm.stderr, /resolution cache: hit/);
  assert.is(warm.stdout, reference);
});

test('damaged hot cache (random bytes, garbage V8 data, truncated): same answer, then replaced', async () => {
  const file = join(cacheDir, cacheName('hot'));
  const routes = JSON.stringify((inspect('hot').routes as string[]) ?? []);
  const damage: [string, () => void][] = [
    ['random bytes', () => writeFileSync(file, randomBytes(4096), { mode: 0o600 })],
    ['valid header, garbage V8 data', () => writeFileSync(file, Buffer.concat([Buffer.from(`${MAGIC}${routes}\n`), randomBytes(4096)]), { mode: 0o600 })],
    ['truncated to 10 bytes', () => truncateSync(file, 10)],
  ];
  for (const [what, hurt] of damage) {
    hurt();
    const bad = readFileSync(file);
    assert.is(statSync(file).mode & 0o777, 0o600, `${what}: still 0600 (only the content is bad)`);
    const r = await warmExport();
    assert.is(r.stdout, reference, what);
    assert.is(r.stderr.match(HANDOVER), null, `${what}: the hot script still answers`);
    const c = assertValidCache('hot', what);
    assert.not.ok(c.bytes.equals(bad), `${what}: the file was replaced`);
  }
  // The replaced cache is used again: the next run leaves it alone.
  const before = inspect('hot');
  assert.is((await warmExport()).stdout, reference);
  assert.is(inspect('hot').ino, before.ino);
});

test('a run that died with the caches in use (its running-<pid> marker left): the next drops them and answers', async () => {
  // An old mtime marks this file: a new one cannot carry it (an inode number can be reused).
  utimesSync(join(cacheDir, cacheName('hot')), 1e6, 1e6);
  const before = inspect('hot');
  // A pid that was alive and is not any more: a child that has exited.
  const dead = spawnSync(process.execPath, ['-e', '0']).pid;
  assert.ok(dead > 0);
  writeFileSync(join(cacheDir, `running-${dead}`), '', { mode: 0o600 });
  const r = await warmExport();
  assert.is(r.stdout, reference);
  assert.equal(readdirSync(cacheDir).filter((f) => f.startsWith('running-')), [], 'the marker is gone, and this run left none');
  const after = assertValidCache('hot', 'after a dead run');
  assert.is.not(after.mtimeMs, before.mtimeMs, 'the caches were dropped and made again');
  // A live process's marker (a run in progress elsewhere) is left alone.
  writeFileSync(join(cacheDir, `running-${process.pid}`), '', { mode: 0o600 });
  assert.is((await warmExport()).stdout, reference);
  assert.is(inspect('hot').ino, after.ino, 'a live marker drops nothing');
  assert.is(inspect('hot').mtimeMs, after.mtimeMs, 'a live marker drops nothing');
  rmSync(join(cacheDir, `running-${process.pid}`));
});

test('V8 bytes flipped inside a valid cache: at most one run dies of it, the next answers', async () => {
  const file = join(cacheDir, cacheName('hot'));
  const good = readFileSync(file);
  const start = good.indexOf(10, MAGIC.length) + 1;
  const bad = Buffer.from(good);
  // V8 checks no checksum in release builds: flips inside its data can pass its header checks
  // and abort the process (or, depending on where they land, do no harm).
  for (let k = 1; k <= 16; k++) bad[start + Math.floor(((bad.length - start) * k) / 17)]! ^= 0xff;
  writeFileSync(file, bad, { mode: 0o600 });
  const first = await cli(sb, ['export', '--format', 'zsh'], { cwd: dev, env: debug });
  if (first.code === 0) assert.is(first.stdout, reference, 'a run that survives the flips answers right');
  else assert.is(first.stdout, '', 'a run that dies prints nothing half');
  const second = await warmExport();
  assert.is(second.stdout, reference, 'the next run answers');
  assert.equal(readdirSync(cacheDir).filter((f) => f.startsWith('running-')), [], 'no marker left behind');
  if (first.code !== 0) assert.not.ok(assertValidCache('hot', 'after the flip').bytes.equals(bad), 'the damaged cache was dropped');
  assert.is((await warmExport()).stdout, reference);
});

test('hot cache readable by group/others (0644, 0606): ignored, answer unchanged, replaced by a 0600 file', async () => {
  const file = join(cacheDir, cacheName('hot'));
  for (const mode of [0o644, 0o606]) {
    utimesSync(file, 1e6, 1e6);
    const before = inspect('hot');
    chmodSync(file, mode);
    const r = await warmExport();
    assert.is(r.stdout, reference, mode.toString(8));
    const after = assertValidCache('hot', `after chmod ${mode.toString(8)}`);
    assert.is.not(after.mtimeMs, before.mtimeMs, `${mode.toString(8)}: a new file, not the old one`);
  }
});

test('NODE_DISABLE_COMPILE_CACHE=1: exports work, no cache file is created', async () => {
  rmSync(cacheDir, { recursive: true, force: true });
  mkdirSync(cacheDir, { mode: 0o700 });
  const off = { NODE_DISABLE_COMPILE_CACHE: '1' };
  const r = await warmExport(off);
  assert.is(r.stdout, reference);
  // A resolution miss (engine script) and a hand-over (full CLI) too.
  touchManifest('stacks/orgs/acme/plat/dev/_defaults.yaml');
  const edited = await warmExport(off);
  assert.match(edited.stderr, /resolution cache: stale/);
  assert.is(edited.stdout, reference);
  dropCredentials();
  fake.clearLog();
  const handed = await warmExport(off);
  assert.is(handed.stderr.match(HANDOVER)?.length, 1, handed.stderr);
  assert.is(fake.count('GetRoleCredentials'), 1);
  assert.is(parseExports(handed.stdout).ATMOS_AUTH_IDENTITY, 'plat-dev/terraform');
  assert.equal(cacheFiles(), []);
  assert.equal(readdirSync(cacheDir), [], 'nothing at all in the cache dir (not Node\'s compile cache either)');
  // Caching on again, no directory: the executable makes it (0700) and the hot cache in it.
  rmSync(cacheDir, { recursive: true });
  // Keys changed with the new GetRoleCredentials: the reference follows.
  reference = (await warmExport()).stdout;
  assert.is(parseExports(reference).ATMOS_AUTH_IDENTITY, 'plat-dev/terraform');
  assert.equal(cacheFiles('hot'), [cacheName('hot')], 'caching on again: the hot cache is back');
  assert.is(statSync(cacheDir).mode & 0o777, 0o700);
  assert.is(inspect('hot').mode, 0o600);
});

test("writing a hot cache removes other builds' hot caches (not engine caches)", async () => {
  assertValidCache('hot', 'before');
  const oldHot = join(cacheDir, 'hot-0000000000000000-v0-x64.v8');
  const oldEngine = join(cacheDir, 'engine-0000000000000000-v0-x64.v8');
  writeFileSync(oldHot, `${MAGIC}[]\nold`, { mode: 0o600 });
  writeFileSync(oldEngine, `${MAGIC}[]\nold`, { mode: 0o600 });
  // A warm run with a usable cache writes nothing: the old build's file stays.
  assert.is((await warmExport()).stdout, reference);
  assert.ok(existsSync(oldHot), 'no rewrite, no clean-up');
  rmSync(join(cacheDir, cacheName('hot')));
  assert.is((await warmExport()).stdout, reference);
  assert.not.ok(existsSync(oldHot), 'the other build\'s hot cache is gone');
  assert.ok(existsSync(oldEngine), 'an engine cache is another kind: the hot script keeps it');
  assert.equal(cacheFiles('hot'), [cacheName('hot')]);
  assertValidCache('hot', 'rewritten');
  rmSync(oldEngine);
});

test('the hot path answers byte for byte as the full CLI from source', async () => {
  const cp = ['credential-process', '--identity', 'plat-dev/terraform', '--profile', 'developers', '--root', sb.acme];
  const cases: [string[], string][] = [
    [['export', '--format', 'zsh'], dev],
    [['export', '--format', 'fish'], dev],
    [['export', '--format', 'json'], dev],
    [cp, sb.dir],
  ];
  fake.clearLog();
  for (const [args, cwd] of cases) {
    const built = await cli(sb, args, { cwd, env: debug });
    assert.is(built.code, 0, built.stderr);
    assert.is(built.stderr.match(HANDOVER), null, `${args.join(' ')}: answered by the hot script`);
    const src = await fromSource(sb, args, cwd);
    assert.is(src.code, 0, src.stderr);
    assert.ok(built.stdout.length > 0, args.join(' '));
    assert.is(built.stdout, src.stdout, args.join(' '));
  }
  assert.ok(JSON.parse((await cli(sb, cp, { cwd: sb.dir })).stdout).SecretAccessKey);
  assert.is(fake.count('GetRoleCredentials'), 0, 'keys were cached: both printed the same ones');
  // The hot cache learnt the new routes (so these runs went through the hot script).
  const routes = inspect('hot').routes as string[];
  assert.ok(routes.some((r) => r.startsWith('credential-process:')), JSON.stringify(routes));
  assert.ok(routes.some((r) => r.includes('fish')), JSON.stringify(routes));
});

test('profile mode: a warm cd is answered by the hot script, as the full CLI answers (SSO session end included)', async () => {
  const args = ['export', '--mode', 'profile', '--format', 'zsh'];
  // The first run writes the generated AWS config under a lock: that one is handed over.
  const first = await cli(sb, args, { cwd: dev, env: debug });
  assert.is(first.code, 0, first.stderr);
  const built = await cli(sb, args, { cwd: dev, env: debug });
  assert.is(built.code, 0, built.stderr);
  assert.is(built.stderr.match(HANDOVER), null, 'answered by the hot script');
  const env = parseExports(built.stdout);
  assert.match(env.AWS_PROFILE ?? '', /^atmos-/);
  assert.ok(env.ATMOS_AUTH_EXPIRATION, 'the prompt gets a time left');
  const src = await fromSource(sb, args, dev);
  assert.is(src.code, 0, src.stderr);
  assert.is(built.stdout, src.stdout);
});

test('hand-over when credentials are missing: one hand-over line, one GetRoleCredentials, credentials printed', async () => {
  dropCredentials();
  fake.clearLog();
  const r = await warmExport();
  assert.is(r.stderr.match(HANDOVER)?.length, 1, r.stderr);
  assert.is(fake.count('GetRoleCredentials'), 1);
  assert.is(fake.count('Authorize'), 0, 'the SSO token is still cached');
  const env = parseExports(r.stdout);
  assert.is(env.ATMOS_AUTH_IDENTITY, 'plat-dev/terraform');
  assert.ok(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY && env.AWS_SESSION_TOKEN);
  // Another identity whose credentials were never fetched.
  fake.clearLog();
  const other = await cli(sb, ['export', '--format', 'zsh', '--identity', 'plat-staging/terraform'], { cwd: dev, env: debug });
  assert.is(other.code, 0, other.stderr);
  assert.is(other.stderr.match(HANDOVER)?.length, 1, other.stderr);
  assert.is(fake.count('GetRoleCredentials'), 1);
  assert.is(parseExports(other.stdout).ATMOS_AUTH_IDENTITY, 'plat-staging/terraform');
  assert.ok(parseExports(other.stdout).AWS_SECRET_ACCESS_KEY);
  // Now cached: the hot script answers, no request.
  fake.clearLog();
  const again = await cli(sb, ['export', '--format', 'zsh', '--identity', 'plat-staging/terraform'], { cwd: dev, env: debug });
  assert.is(again.code, 0, again.stderr);
  assert.is(again.stderr.match(HANDOVER), null, again.stderr);
  assert.is(fake.count('GetRoleCredentials'), 0);
  assert.is(again.stdout, other.stdout);
});

test('not-allowed repository, export --identity: the "as you asked explicitly" notice is printed once', async () => {
  const un = sandbox(fake, {}, { allow: false });
  extra.push(un);
  ageTree(un.acme);
  const args = ['export', '--format', 'zsh', '--identity', 'plat-dev/terraform'];
  const notices = (s: string) => s.split('\n').filter((l) => l.includes('as you asked explicitly'));
  const run = async (what: string, handOver: boolean) => {
    const r = await cli(un, args, { cwd: un.stackDir('plat/dev'), env: debug });
    assert.is(r.code, 0, `${what}: ${r.stderr}`);
    assert.is(parseExports(r.stdout).ATMOS_AUTH_IDENTITY, 'plat-dev/terraform', what);
    assert.is(notices(r.stderr).length, 1, `${what}: ${r.stderr}`);
    assert.is(r.stderr.match(HANDOVER)?.length ?? 0, handOver ? 1 : 0, `${what}: ${r.stderr}`);
    return r;
  };
  fake.clearLog();
  await run('first run (login, hand-over)', true);
  assert.is(fake.count('GetRoleCredentials'), 1);
  dropCredentials(join(un.env.XDG_CACHE_HOME!, 'atmos-auth/credentials'));
  fake.clearLog();
  await run('credentials emptied (hand-over)', true);
  assert.is(fake.count('GetRoleCredentials'), 1);
  assert.is(fake.count('Authorize'), 0);
  // Warm: the hot script answers and prints the notice itself, once.
  fake.clearLog();
  await run('warm (hot script answers)', false);
  assert.is(fake.count('GetRoleCredentials'), 0);
  // Without debug logging too (the notice is not a debug line).
  dropCredentials(join(un.env.XDG_CACHE_HOME!, 'atmos-auth/credentials'));
  const quiet = await cli(un, args, { cwd: un.stackDir('plat/dev') });
  assert.is(quiet.code, 0, quiet.stderr);
  assert.is(notices(quiet.stderr).length, 1, quiet.stderr);
  assert.is(quiet.stderr.split('\n').filter((l) => l !== '').length, 1, `only the notice on stderr: ${quiet.stderr}`);
});

test('dist/hot.js bundles no YAML parser, globbing, yargs, SDK or D-Bus: a warm cd compiles what it runs and little else', () => {
  // Once a static import from the warm path reached src/atmos/yaml.ts (through a small helper
  // module that also imported it) and hot.js grew from 76 KB to 332 KB: +12 M instructions a cd.
  const text = readFileSync(join(ROOT, 'dist', 'hot.js'), 'utf8');
  const modules = [...text.matchAll(/^\/\/ ((?:src|node_modules)\/\S+)$/gm)].map((m) => m[1]!);
  assert.ok(modules.includes('src/commands/export.ts'), 'the module markers are where this test expects them');
  const heavy = modules.filter((m) => /^node_modules\/(js-yaml|yaml|picomatch|tinyglobby|fdir|yargs|@aws-sdk|@smithy|@jellybrick)\/|^src\/atmos\/(yaml|merge|resolve|imports|template|repo-files|deadline|profiles|config)\.ts$/.test(m));
  assert.equal([...new Set(heavy)], [], 'modules of the engine or of a cache miss in dist/hot.js');
  assert.ok(text.length < 200_000, `dist/hot.js is ${text.length} bytes`);
});

test('dist/hot.js and dist/engine.js load nothing themselves: no import(), only require("yaml")', () => {
  for (const name of ['hot.js', 'engine.js']) {
    const text = readFileSync(join(ROOT, 'dist', name), 'utf8');
    assert.ok(text.length > 0, name);
    assert.not.match(text, /\bimport\s*\(/, `${name} has an import()`);
    const requires = [...text.matchAll(/\brequire\s*\(\s*(["'`])([^"'`]*)\1/g)].map((m) => m[2]);
    assert.equal([...new Set(requires)].filter((r) => r !== 'yaml'), [], `${name} requires ${JSON.stringify(requires)}`);
    assert.not.match(text, /\brequire\(\s*[^"'`\s)]/, `${name} has a require() of a computed name`);
  }
});

test.run();
