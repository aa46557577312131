// Issue 6 "done means": with role credentials that live 20 seconds, boto3 and AWS SDK for JavaScript
// loops started from a shell in profile mode call STS for 70 s without a single failure (each
// refresh goes through credential_process -> the cache -> GetRoleCredentials), while the same loops
// started in env mode hit ExpiredToken once the exported keys expire. The four run at once.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startFakeAws } from '../fake-aws/server.ts';
import { CLI, ROOT, cli, sandbox } from '../e2e/helpers.ts';

const LOOP_SECONDS = 70;
const fake = await startFakeAws({ scenario: { roleCredentialsTtl: 20 } });
const sb = sandbox(fake, { ATMOS_AUTH_MIN_TTL: '5' });

test.after(async () => {
  await fake.close();
  sb.cleanup();
});

interface LoopResult {
  code: number | null;
  start: { secretsInEnv: string[]; profile: string | null } | undefined;
  summary: { ok: number; fail: number; codes: Record<string, number>; distinctKeys: number } | undefined;
  out: string;
  err: string;
}

/** A bash that evals `export` in `mode`, then execs the loop: what a user's shell would start. */
function loop(mode: 'env' | 'profile', lang: 'python' | 'node'): Promise<LoopResult> {
  const prog = lang === 'python'
    ? `exec python3 ${JSON.stringify(join(ROOT, 'test/profile-mode/bin/sts_loop.py'))}`
    : `exec "$NODE_BIN" ${JSON.stringify(join(ROOT, 'test/profile-mode/bin/sts-loop.mjs'))}`;
  const script = `out=$("$NODE_BIN" "$CLI" export --format bash --no-login) || exit 90; eval "$out"; ${prog}`;
  const env = { ...sb.env, ATMOS_AUTH_MODE: mode, NODE_BIN: process.execPath, CLI, LOOP_SECONDS: String(LOOP_SECONDS), BROWSER: '' };
  delete (env as Record<string, string | undefined>).BROWSER;
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['--norc', '--noprofile', '-c', script], { cwd: sb.stackDir('plat/dev'), env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), (LOOP_SECONDS + 60) * 1000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const lines = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
      resolve({
        code,
        start: lines.find((l) => l.start) as LoopResult['start'],
        summary: lines.find((l) => l.summary) as LoopResult['summary'],
        out,
        err: err.slice(-2000),
      });
    });
  });
}

test('login once (role credentials live 20 s)', async () => {
  assert.is((await cli(sb, ['allow'])).code, 0);
  const r = await cli(sb, ['export']);
  assert.is(r.code, 0, r.stderr);
  assert.is(fake.count('Authorize'), 1);
});

test(`boto3 and JS SDK loops: ${LOOP_SECONDS} s without a failure in profile mode, ExpiredToken in env mode`, async () => {
  fake.clearLog();
  const [pyProfile, nodeProfile, pyEnv, nodeEnv] = await Promise.all([
    loop('profile', 'python'), loop('profile', 'node'), loop('env', 'python'), loop('env', 'node'),
  ]);
  const show = (r: LoopResult) => `exit ${r.code}\n${r.out.slice(-1500)}\n${r.err}`;
  for (const r of [pyProfile, nodeProfile]) {
    assert.is(r.code, 0, show(r));
    assert.ok(r.start, show(r));
    assert.equal(r.start!.secretsInEnv, [], 'no secret in the environment of a profile-mode child');
    assert.match(r.start!.profile ?? '', /^atmos-plat-dev-terraform-[0-9a-f]{10}$/);
    assert.ok(r.summary, show(r));
    assert.is(r.summary!.fail, 0, show(r));
    assert.ok(r.summary!.ok >= LOOP_SECONDS / 2, show(r));
    // 70 s of 20 s credentials: the SDK went through several generations of keys.
    assert.ok(r.summary!.distinctKeys >= 3, show(r));
  }
  for (const r of [pyEnv, nodeEnv]) {
    assert.ok(r.start, show(r));
    assert.equal(r.start!.secretsInEnv.sort(), ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']);
    assert.ok(r.summary, show(r));
    assert.is(r.summary!.distinctKeys, 1, show(r));
  }
  // The JS SDK sends the expired keys and STS answers ExpiredToken. botocore reads
  // AWS_CREDENTIAL_EXPIRATION (which env mode exports), "refreshes" from the same environment and
  // gives up before sending: RuntimeError "Credentials were refreshed, but the refreshed
  // credentials are still expired".
  assert.ok((nodeEnv.summary!.codes.ExpiredToken ?? 0) > 0, `env mode should hit ExpiredToken: ${show(nodeEnv)}`);
  assert.ok((pyEnv.summary!.codes.RuntimeError ?? 0) + (pyEnv.summary!.codes.ExpiredToken ?? 0) > 0, `env mode should fail after expiry: ${show(pyEnv)}`);
  assert.match(pyEnv.out, /still expired|ExpiredToken/);
  process.stderr.write(`loops: ${JSON.stringify({ pyProfile: pyProfile.summary, nodeProfile: nodeProfile.summary, pyEnv: pyEnv.summary, nodeEnv: nodeEnv.summary, GetRoleCredentials: fake.count('GetRoleCredentials') })}\n`);
  // Refreshes came from the SSO token, never a new login.
  assert.ok(fake.count('GetRoleCredentials') >= 3);
  assert.is(fake.count('Authorize'), 0);
});

test.run();
