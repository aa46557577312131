// Issue 11 §2, the pieces under the CLI rows of hostile-files.test.ts: the resolution deadline
// (checkpoints and the vm watchdog behind them), readRepoFile's refusals, the confinement of
// symlinks, loop-safe walks, and two places where a small input used to make huge work (the parse
// cache serialising an alias bomb, a printf width). scripts/test.ts kills a file after 300 s, so a
// regression here fails rather than hangs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/errors.ts';
import { checkpoint, DEFAULT_RESOLVE_TIMEOUT_MS, ResolveTimeoutError, resolveTimeoutMs, tick, withDeadline } from '../../src/atmos/deadline.ts';
import { Trace } from '../../src/atmos/fsutil.ts';
import { entryPathOf, readYamlFileCached } from '../../src/atmos/parse-cache.ts';
import { Confinement, MAX_FILE_BYTES, readRepoFile, walkTree } from '../../src/atmos/repo-files.ts';
import { renderTemplate } from '../../src/atmos/template.ts';
import { aliasBomb, oversize } from './hostile-helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'atmos-auth-deadline-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** The error `fn` throws (fails when it returns). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  assert.unreachable('expected an error');
  return undefined;
}

test('the vm watchdog stops a loop no checkpoint sees, naming the last file recorded', () => {
  const err = thrown(() => withDeadline(200, () => {
    checkpoint('stacks/x.yaml');
    for (;;) { /* a loop inside a dependency: no checkpoint */ }
  }));
  assert.instance(err, ResolveTimeoutError);
  assert.instance(err, ConfigError);
  assert.is((err as ResolveTimeoutError).resolveTimeout, true);
  assert.is((err as Error).message, 'gave up after 200 ms resolving stacks/x.yaml; nothing changed');
  // The state is cleared: outside a deadline, checkpoints cost nothing and never throw.
  checkpoint('a');
  for (let i = 0; i < 10_000; i++) tick();
});

test('checkpoints throw once the bound has passed; tick looks at the clock every 4096 calls', () => {
  const err = thrown(() => withDeadline(1, () => {
    for (;;) { checkpoint('a.yaml'); tick(); }
  }));
  assert.instance(err, ResolveTimeoutError);
  assert.match((err as Error).message, /resolving a\.yaml/);
  const err2 = thrown(() => withDeadline(1, () => {
    checkpoint('b.yaml');
    for (;;) tick();
  }));
  assert.match((err2 as Error).message, /^gave up after 1 ms resolving b\.yaml/);
});

test('a nested deadline runs within the outer one; results and errors pass through', () => {
  assert.is(withDeadline(1000, () => withDeadline(5, () => 42)), 42);
  const e = new ConfigError('boom', { file: 'f.yaml' });
  assert.is(thrown(() => withDeadline(1000, () => { throw e; })), e);
});

test('ATMOS_AUTH_RESOLVE_TIMEOUT_MS: default 2000, a positive integer, anything else a clear error', () => {
  assert.is(resolveTimeoutMs({}), DEFAULT_RESOLVE_TIMEOUT_MS);
  assert.is(DEFAULT_RESOLVE_TIMEOUT_MS, 2000);
  assert.is(resolveTimeoutMs({ ATMOS_AUTH_RESOLVE_TIMEOUT_MS: '750' }), 750);
  for (const bad of ['0', '-5', '1.5', 'soon', '1e99']) {
    const err = thrown(() => resolveTimeoutMs({ ATMOS_AUTH_RESOLVE_TIMEOUT_MS: bad }));
    assert.instance(err, ConfigError);
    assert.match((err as Error).message, new RegExp(`ATMOS_AUTH_RESOLVE_TIMEOUT_MS=${bad.replace('.', '\\.')} is not a positive number`));
  }
});

test('readRepoFile: regular files read whole; devices, directories and oversize files refused', () => {
  const f = join(dir, 'ok.yaml');
  writeFileSync(f, 'a: 1\nb: "é"\n');
  assert.is(readRepoFile(f), 'a: 1\nb: "é"\n');
  const empty = join(dir, 'empty.yaml');
  writeFileSync(empty, '');
  assert.is(readRepoFile(empty), '');
  const zero = thrown(() => readRepoFile('/dev/zero'));
  assert.instance(zero, ConfigError);
  assert.is((zero as ConfigError).render(), '/dev/zero: not a regular file (a character device): atmos-auth reads only regular files\n  replace it with a regular file, or remove it');
  assert.match((thrown(() => readRepoFile(dir)) as Error).message, /not a regular file \(a directory\)/);
  const big = join(dir, 'big.yaml');
  oversize(big);
  assert.match((thrown(() => readRepoFile(big)) as Error).message, new RegExp(`too large \\(${MAX_FILE_BYTES + 1} bytes\\)`));
  const atLimit = join(dir, 'limit.yaml');
  writeFileSync(atLimit, Buffer.alloc(MAX_FILE_BYTES, 0x61));
  assert.is(readRepoFile(atLimit).length, MAX_FILE_BYTES);
  assert.match((thrown(() => readRepoFile(join(dir, 'missing.yaml'))) as Error).message, /cannot read: ENOENT/);
});

test('Confinement: links inside a root are followed, links leaving every root are refused', () => {
  const repo = join(dir, 'repo');
  mkdirSync(join(repo, 'stacks'), { recursive: true });
  writeFileSync(join(repo, 'stacks/a.yaml'), 'a: 1\n');
  writeFileSync(join(dir, 'outside.yaml'), 'secret: 1\n');
  symlinkSync('a.yaml', join(repo, 'stacks/in.yaml'));
  symlinkSync(join(dir, 'outside.yaml'), join(repo, 'stacks/out.yaml'));
  const c = new Confinement();
  c.add(join(repo, 'stacks'));
  assert.is(readRepoFile(join(repo, 'stacks/in.yaml'), c), 'a: 1\n');
  const err = thrown(() => readRepoFile(join(repo, 'stacks/out.yaml'), c));
  assert.is((err as ConfigError).pos?.file, join(repo, 'stacks/out.yaml'));
  assert.match((err as Error).message, /symlink leaves the repository \(to .*outside\.yaml\): atmos-auth does not follow it/);
  c.add(dir); // a directory the configuration names (e.g. an absolute stacks base path) is a root
  assert.is(readRepoFile(join(repo, 'stacks/out.yaml'), c), 'secret: 1\n');
});

test('walkTree: loops through directory links end, each real directory is walked once', () => {
  const root = join(dir, 'walk');
  mkdirSync(join(root, 'a/b'), { recursive: true });
  mkdirSync(join(root, 'c'), { recursive: true });
  writeFileSync(join(root, 'a/b/x.yaml'), '');
  writeFileSync(join(root, 'c/y.yaml'), '');
  symlinkSync('..', join(root, 'a/b/up'));
  symlinkSync('.', join(root, 'a/self'));
  symlinkSync('../c', join(root, 'a/b/toc'));
  symlinkSync('../c', join(root, 'a/toc2'));
  symlinkSync('loop2', join(root, 'loop1'));
  symlinkSync('loop1', join(root, 'loop2'));
  const files: string[] = [];
  const c = new Confinement();
  c.add(root);
  walkTree(root, { trace: new Trace(), confine: c, onFile: (p) => files.push(p.slice(root.length + 1)) });
  // c is reached three ways and listed once (first by the walk order); the ELOOP links are skipped.
  assert.equal(files.filter((f) => f.endsWith('y.yaml')).length, 1);
  assert.equal(files.filter((f) => f.endsWith('x.yaml')), ['a/b/x.yaml']);
  assert.is(files.length, 2, files.join(', '));
});

test('the parse cache does not serialise a tree that aliases blow up (JSON would expand them)', () => {
  const f = join(dir, 'bomb.yaml');
  writeFileSync(f, aliasBomb('settings', 7)); // 10^7 values when expanded, from ~1 KB
  const old = new Date(Date.now() - 3600_000);
  utimesSync(f, old, old);
  const cache = join(dir, 'cache');
  const v = readYamlFileCached(f, { env: {}, repoRoot: () => undefined }, cache) as { settings: Record<string, unknown> };
  assert.ok(v.settings.l7);
  assert.not.ok(existsSync(entryPathOf(f, cache)), 'not stored');
  // An ordinary file is stored.
  const g = join(dir, 'plain.yaml');
  writeFileSync(g, 'a: &x {b: 1}\nc: *x\nd: {<<: *x, e: 2}\n');
  utimesSync(g, old, old);
  readYamlFileCached(g, { env: {}, repoRoot: () => undefined }, cache);
  assert.ok(existsSync(entryPathOf(g, cache)));
});

test('printf refuses widths over 1e6 as Go does, instead of building gigabytes of padding', () => {
  assert.is(renderTemplate('{{ printf "%999999999d" 1 }}', {}), '%!(NOVERB)%!(EXTRA int=1)');
  assert.is(renderTemplate('{{ printf "x%.9999999fy" 1.5 }}', {}), 'x%!(NOVERB)%!(EXTRA float64=1.5)');
  assert.is(renderTemplate('{{ printf "%*d" 99999999 7 }}', {}), '%!(BADWIDTH)7');
  assert.is(renderTemplate('{{ printf "%5d|" 7 }}', {}), '    7|');
});

test.run();
