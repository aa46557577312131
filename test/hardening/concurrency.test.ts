// Issue 5 §4: concurrency. 16 processes racing on a cold cache for the same SSO session and
// identity: one browser, one CreateToken, one GetRoleCredentials, and 16 sets of credentials STS
// accepts. Then `logout` racing `export` in a loop: no half-written file, no crash but clean errors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFakeAws } from '../fake-aws/server.ts';
import { BROWSER, CLI, parseExports, sandbox } from '../e2e/helpers.ts';
import { getCallerIdentity } from '../../src/aws/sts.ts';
import { ageTree, unparsableCacheFiles } from './helpers.ts';

const fake = await startFakeAws();
const sb = sandbox(fake);
ageTree(sb.acme);
Object.assign(process.env, fake.env);

test.after(async () => {
  await fake.close();
  sb.cleanup();
});

// A BROWSER that records each invocation, then does what the test browser does.
const opened = join(sb.dir, 'browser-invocations');
writeFileSync(opened, '');
const countingBrowser = join(sb.dir, 'browser-counting.sh');
writeFileSync(countingBrowser, `#!/bin/sh\necho "$$" >> '${opened}'\nexec '${BROWSER}' "$@"\n`);
chmodSync(countingBrowser, 0o755);

function run(args: string[], cwd = sb.stackDir('plat/dev')) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const c = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...sb.env, BROWSER: countingBrowser }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d) => (stdout += d));
    c.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => c.kill('SIGKILL'), 120_000);
    c.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

test('16 processes, cold cache, same SSO session and identity: one browser, one CreateToken, one GetRoleCredentials, 16 valid credentials', async () => {
  fake.clearLog();
  const results = await Promise.all(Array.from({ length: 16 }, () => run(['export'])));
  for (const r of results) assert.is(r.code, 0, r.stderr);
  assert.is(readFileSync(opened, 'utf8').split('\n').filter(Boolean).length, 1, 'one browser opened');
  assert.is(fake.count('Authorize'), 1);
  assert.is(fake.count('CreateToken'), 1);
  assert.is(fake.count('RegisterClient'), 1);
  assert.is(fake.count('GetRoleCredentials'), 1);
  const keys = results.map((r) => parseExports(r.stdout));
  const distinct = new Map(keys.map((k) => [k.AWS_ACCESS_KEY_ID, k]));
  assert.is(distinct.size, 1, 'every process got the same credentials');
  for (const k of distinct.values()) {
    const who = await getCallerIdentity({ accessKeyId: k.AWS_ACCESS_KEY_ID!, secretAccessKey: k.AWS_SECRET_ACCESS_KEY!, sessionToken: k.AWS_SESSION_TOKEN! }, 'us-east-2');
    assert.match(who.arn, /assumed-role\/AWSReservedSSO_TerraformApplyAccess/);
    assert.is(who.account, '200000000001');
  }
});

test('16 processes, warm SSO session, 4 identities cold: one GetRoleCredentials per identity, no login', async () => {
  fake.clearLog();
  const dirs = ['plat/sandbox', 'plat/staging', 'plat/prod', 'core/auto'];
  const results = await Promise.all(Array.from({ length: 16 }, (_, i) => run(['export'], sb.stackDir(dirs[i % 4]!))));
  for (const r of results) assert.is(r.code, 0, r.stderr);
  assert.is(fake.count('Authorize'), 0);
  assert.is(fake.count('GetRoleCredentials'), 4);
  const perIdentity = new Map<string, Set<string>>();
  for (const r of results) {
    const e = parseExports(r.stdout);
    if (!perIdentity.has(e.ATMOS_AUTH_IDENTITY!)) perIdentity.set(e.ATMOS_AUTH_IDENTITY!, new Set());
    perIdentity.get(e.ATMOS_AUTH_IDENTITY!)!.add(e.AWS_ACCESS_KEY_ID!);
  }
  assert.is(perIdentity.size, 4);
  for (const [id, ks] of perIdentity) assert.is(ks.size, 1, `${id}: one set of credentials`);
});

test('logout racing export (12 rounds): every cache file parseable or absent, only clean errors', async () => {
  const before = readFileSync(opened, 'utf8').split('\n').filter(Boolean).length;
  for (let round = 0; round < 12; round++) {
    const procs = [
      run(['export', '--no-login']),
      run(['logout']),
      run(['export', '--no-login'], sb.stackDir('plat/staging')),
      run(['export', '--no-login']),
    ];
    const results = await Promise.all(procs);
    for (const r of results) {
      assert.ok(r.code === 0 || r.code === 1, `exit ${r.code}: ${r.stderr}`);
      assert.not.match(r.stderr, /internal error/);
      if (r.code !== 0) {
        assert.is(r.stdout, '', 'nothing on stdout on error');
        assert.match(r.stderr, /^atmos-auth: /);
      }
    }
    assert.equal(unparsableCacheFiles(sb), [], `round ${round}`);
    // Log in again for the next round (and check that it still works after the race).
    const again = await run(['export']);
    assert.is(again.code, 0, again.stderr);
  }
  assert.ok(readFileSync(opened, 'utf8').split('\n').filter(Boolean).length > before, 'logout did sign out');
});

test.run();
