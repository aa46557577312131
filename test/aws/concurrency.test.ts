// Eight processes asking for the same SSO session at once, cold: one login, one CreateToken.
import { atmosSessionFile, provider, resetCaches, root } from './env.ts';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startFakeAws, type FakeAws } from '../fake-aws/server.ts';

let fake: FakeAws;

function child(): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [join(root, 'test/aws/bin/get-token.ts'), JSON.stringify(provider)], {
      env: { ...process.env, ...fake.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (err += d));
    c.on('close', (code) => resolve({ code, out, err }));
  });
}

test.before(async () => {
  fake = await startFakeAws();
});
test.after(async () => fake.close());

test('8 concurrent cold getSsoToken processes -> one Authorize, one CreateToken, same token file', async () => {
  resetCaches();
  const results = await Promise.all(Array.from({ length: 8 }, () => child()));
  for (const r of results) assert.is(r.code, 0, r.err);
  const parsed = results.map((r) => JSON.parse(r.out) as { source: string; cacheFile: string; expiresAt: string });
  assert.is(fake.count('Authorize'), 1);
  assert.is(fake.count('CreateToken'), 1);
  assert.is(fake.count('RegisterClient'), 1);
  assert.is(parsed.filter((p) => p.source === 'login').length, 1);
  assert.is(parsed.filter((p) => p.source === 'aws-cli-cache').length, 7);
  assert.is(new Set(parsed.map((p) => p.cacheFile)).size, 1);
  assert.is(new Set(parsed.map((p) => p.expiresAt)).size, 1);
  assert.is(results.filter((r) => r.err.includes('/authorize?')).length, 1, 'one sign-in URL printed');
});

test('8 concurrent processes with a token needing refresh -> one refresh', async () => {
  const { readFileSync, writeFileSync } = await import('node:fs');
  const file = (JSON.parse((await child()).out) as { cacheFile: string }).cacheFile;
  // The session near expiry in both caches (atmos-auth's login wrote Atmos's file too).
  for (const f of [file, atmosSessionFile]) {
    const j = JSON.parse(readFileSync(f, 'utf8')) as Record<string, string>;
    j.expiresAt = new Date(Date.now() + 120_000).toISOString().replace(/\.\d+Z$/, 'Z');
    writeFileSync(f, JSON.stringify(j));
  }
  fake.clearLog();
  const results = await Promise.all(Array.from({ length: 8 }, () => child()));
  for (const r of results) assert.is(r.code, 0, r.err);
  assert.is(fake.count('CreateToken'), 1);
  assert.is(fake.count('Authorize'), 0);
});

test.run();
