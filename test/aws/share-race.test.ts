// Racing writers on the shared SSO caches (issue 13 §1): several atmos-auth processes saving
// tokens (atomic writes) and a process rewriting Atmos's file the way Atmos does (os.WriteFile:
// truncate + write in place) never leave a file that atmos-auth, Atmos (the Go-struct reader of
// test/aws/atmos-go.ts) or botocore cannot parse; atmos-auth's reader, reading all along, never
// fails and never returns a cut token: a half-written Atmos file is absent (after one more read).
import { atmosSessionFile, home, provider, resetCaches, root } from './env.ts';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readTokenFile } from '../../src/aws/token-cache.ts';
import { goLoadFullCachedToken } from './atmos-go.ts';

const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');
const cliFile = join(home, '.aws', 'sso', 'cache', `${sha1(provider.startUrl)}.json`);
const stopFile = join(home, 'stop-reading');
const bin = (f: string) => join(root, 'test/aws/bin', f);

const hasBotocore = spawnSync('python3', ['-c', 'import botocore.utils'], { stdio: 'ignore' }).status === 0;

interface Child { code: Promise<number | null>; out: () => string; err: () => string }
function start(script: string, arg: unknown): Child {
  const c = spawn(process.execPath, [bin(script), JSON.stringify(arg)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  c.stdout.on('data', (d) => (out += d));
  c.stderr.on('data', (d) => (err += d));
  return { code: new Promise((r) => c.on('close', r)), out: () => out, err: () => err };
}

interface ReaderStats { reads: number; atmosTokens: number; atmosAbsent: number; cliTokens: number; cliAbsent: number; cliRawParseFailures: number; atmosRawParseFailures: number; bad: string[] }

async function race(withAtmos: boolean): Promise<ReaderStats> {
  rmSync(stopFile, { force: true });
  const common = { provider, cliFile, atmosFile: atmosSessionFile };
  const reader = start('share-reader.ts', { ...common, stopFile });
  const writers = [0, 1, 2].map((i) => start('share-writer.ts', { ...common, count: 150, tag: `w${i}` }));
  if (withAtmos) writers.push(start('atmos-writer.ts', { ...common, count: 1500 }));
  for (const w of writers) assert.is(await w.code, 0, w.err());
  writeFileSync(stopFile, '');
  assert.is(await reader.code, 0, reader.err());
  return JSON.parse(reader.out()) as ReaderStats;
}

/** Both files, after the writers stopped, as each tool reads them. */
function assertReadableByAll(): void {
  const at = readFileSync(atmosSessionFile, 'utf8');
  assert.ok(goLoadFullCachedToken(at, provider), `Atmos accepts its file:\n${at.slice(0, 200)}`);
  assert.ok(readTokenFile(atmosSessionFile, 'atmos-cache'), 'atmos-auth reads Atmos\'s file');
  assert.ok(readTokenFile(cliFile, 'aws-cli-cache'), 'atmos-auth reads the AWS CLI file');
  // botocore's own loader (legacy key: sha1 of the start URL), as `aws` and boto3 read the cache.
  const py = spawnSync('python3', ['-c', [
    'import sys, os',
    'from botocore.utils import JSONFileCache, SSOTokenLoader',
    "tok = SSOTokenLoader(cache=JSONFileCache(os.path.dirname(sys.argv[1])))(sys.argv[2])",
    "print('ok' if tok.get('accessToken') and tok.get('expiresAt') else 'missing')",
  ].join('\n'), cliFile, provider.startUrl], { encoding: 'utf8' });
  assert.is(py.stdout.trim(), 'ok', py.stderr);
}

test.before.each(() => {
  resetCaches();
  mkdirSync(dirname(cliFile), { recursive: true });
  // Atmos makes its directories before writing (sso_cache.go:101-110 MkdirAll 0700).
  mkdirSync(dirname(atmosSessionFile), { recursive: true, mode: 0o700 });
});
test.after(() => rmSync(stopFile, { force: true }));

test('python3 with botocore is installed (Debian: python3-boto3)', () => {
  assert.ok(hasBotocore, 'these tests need python3 and botocore: apt-get install python3-boto3');
});

test('atmos-auth processes alone: every read of either file parses, whatever the interleaving', async () => {
  const s = await race(false);
  assert.ok(s.reads > 0);
  assert.equal(s.bad, []);
  assert.is(s.cliRawParseFailures, 0, 'atomic writes: never a cut AWS CLI file');
  assert.is(s.atmosRawParseFailures, 0, "atomic writes: never a cut Atmos file from atmos-auth's side");
  assert.ok(existsSync(atmosSessionFile));
  assertReadableByAll();
});

test("with Atmos's non-atomic writer too: atmos-auth's reader never fails nor returns a cut token; the files end readable by all", async () => {
  const s = await race(true);
  assert.equal(s.bad, [], 'no cut or foreign token handed out');
  assert.is(s.cliRawParseFailures, 0, 'the AWS CLI file stays whole (only atomic writers)');
  assert.ok(s.atmosTokens + s.cliTokens > 0);
  // How often Atmos's in-place writes were caught half-done (0 is possible on a quiet machine).
  console.log(`  reads ${s.reads}: Atmos file cut on a plain read ${s.atmosRawParseFailures} times, absent after the retry ${s.atmosAbsent} times`);
  assertReadableByAll();
});

test.run();
