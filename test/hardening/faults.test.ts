// Issue 5 §3: faults, against the emulator's fault injection. Bounded retries (attempts counted in
// the request log), deadlines on every call (hang bounds are generous: these are hang checks, not
// performance tests), the previous environment kept in a real shell with the hook, one clean
// re-login after a revocation or an expired refresh token, atomic cache writes under SIGKILL, a
// lock left by a killed process, and the hook never waiting on another terminal's browser login.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { startFakeAws } from '../fake-aws/server.ts';
import { BROWSER, CLI, cli, parseExports, type Sandbox } from '../e2e/helpers.ts';
import { hookFile, runShell } from '../helpers/shells.ts';
import { cacheDirs, listFiles, oneFile, unparsableCacheFiles, warmSandbox } from './helpers.ts';

const fake = await startFakeAws();
const sb = await warmSandbox(fake, { ATMOS_AUTH_HTTP_TIMEOUT_MS: '2000' });

// A TCP endpoint that accepts connections and never answers (a black hole on loopback).
const sockets: Socket[] = [];
const silent: Server = createServer((s) => sockets.push(s));
await new Promise<void>((ok) => silent.listen(0, '127.0.0.1', ok));
const SILENT_URL = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;

test.after(async () => {
  for (const s of sockets) s.destroy();
  silent.close();
  await fake.close();
  sb.cleanup();
});

const credsFile = () => oneFile(cacheDirs(sb).credentials);
const dropCredentials = () => rmSync(cacheDirs(sb).credentials, { recursive: true, force: true });
const HANG_BOUND_MS = 30_000;

async function timed(args: string[], o: Parameters<typeof cli>[2] = {}) {
  const t = Date.now();
  const r = await cli(sb, args, { timeoutMs: 90_000, ...o });
  return { ...r, ms: Date.now() - t };
}

test('5xx twice then success: retried, three attempts', async () => {
  dropCredentials();
  fake.clearLog();
  fake.fault({ op: 'GetRoleCredentials', status: 500, errorType: 'InternalServerException', times: 2 });
  const r = await timed(['export', '--no-login']);
  fake.clearFaults();
  assert.is(r.code, 0, r.stderr);
  assert.is(fake.count('GetRoleCredentials'), 3);
});

test('5xx that does not stop: bounded retries (3 attempts), clear error, nothing on stdout', async () => {
  dropCredentials();
  fake.clearLog();
  fake.fault({ op: 'GetRoleCredentials', status: 503, errorType: 'ServiceUnavailableException' });
  const r = await timed(['export', '--no-login']);
  fake.clearFaults();
  assert.is(r.code, 1);
  assert.is(r.stdout, '');
  assert.is(fake.count('GetRoleCredentials'), 3, 'three attempts, then stop');
  assert.match(r.stderr, /GetRoleCredentials failed: ServiceUnavailableException \(HTTP 503\)/);
  assert.not.match(r.stderr, /internal error/);
});

test('429 that does not stop: three attempts with backoff, "throttling" error', async () => {
  dropCredentials();
  fake.clearLog();
  fake.fault({ op: 'GetRoleCredentials', status: 429, errorType: 'TooManyRequestsException' });
  const r = await timed(['export', '--no-login']);
  fake.clearFaults();
  assert.is(r.code, 1);
  assert.is(r.stdout, '');
  assert.is(fake.count('GetRoleCredentials'), 3);
  const times = fake.requests().filter((q) => q.op === 'GetRoleCredentials').map((q) => (q as { time?: number; at?: number }).time ?? (q as { at?: number }).at ?? 0);
  if (times.every((t) => t > 0)) assert.ok(times[2]! > times[0]!, 'attempts are spread out');
  assert.match(r.stderr, /throttling/);
});

test('slow answers (delay > deadline): export gives up in bounded time, nothing on stdout', async () => {
  dropCredentials();
  fake.fault({ op: 'GetRoleCredentials', delayMs: 20_000 });
  const r = await timed(['export', '--no-login']);
  fake.clearFaults();
  assert.is(r.signal, null, 'hung');
  assert.ok(r.ms < HANG_BOUND_MS, `gave up after ${r.ms} ms`);
  assert.is(r.code, 1);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /no answer within 2000 ms/);
});

test('an endpoint that accepts and never answers (SSO portal and OIDC): bounded time, names the endpoint', async () => {
  dropCredentials();
  const r = await timed(['export', '--no-login'], { env: { AWS_ENDPOINT_URL_SSO: SILENT_URL, AWS_ENDPOINT_URL_SSO_OIDC: SILENT_URL } });
  assert.is(r.signal, null);
  assert.ok(r.ms < HANG_BOUND_MS, `gave up after ${r.ms} ms`);
  assert.is(r.code, 1);
  assert.is(r.stdout, '');
  assert.match(r.stderr, new RegExp(`cannot reach .*${SILENT_URL.replace(/[.]/g, '\\.')}`));
});

test('a refused port: bounded time, clear error', async () => {
  dropCredentials();
  const r = await timed(['export', '--no-login'], { env: { AWS_ENDPOINT_URL_SSO: 'http://127.0.0.1:9' } });
  assert.ok(r.ms < HANG_BOUND_MS);
  assert.is(r.code, 1);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /cannot reach .*127\.0\.0\.1:9/);
});

test('real bash with the hook, unreachable AWS: the prompt comes back in bounded time and the environment is as before', () => {
  dropCredentials();
  const hook = hookFile(sb.dir, 'bash');
  const script = [
    `source '${hook}'`,
    "export AWS_PROFILE='my own'; export AWS_ACCESS_KEY_ID=AKIAPREVIOUS; AWS_REGION=eu-west-1",
    `cd '${sb.stackDir('plat/dev')}'`,
    '__atmos_auth_prompt_command',
    'echo "rc=$? profile=${AWS_PROFILE-unset} key=${AWS_ACCESS_KEY_ID-unset} region=${AWS_REGION-unset} identity=${ATMOS_AUTH_IDENTITY-unset}"',
  ].join('\n');
  const t = Date.now();
  // No terminal and no BROWSER: the hook's export may not log in, and must not hang.
  const r = runShell('bash', script, { ...sb.env, BROWSER: '', AWS_ENDPOINT_URL_SSO: SILENT_URL, AWS_ENDPOINT_URL_SSO_OIDC: SILENT_URL });
  assert.ok(Date.now() - t < HANG_BOUND_MS, 'bounded');
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout.trim(), 'rc=0 profile=my own key=AKIAPREVIOUS region=eu-west-1 identity=unset');
  assert.match(r.stderr, /cannot reach/);
});

test('token revoked mid-session: one clean re-login (Authorize == 1), then credentials', async () => {
  dropCredentials();
  fake.revokeTokens();
  fake.clearLog();
  const r = await timed(['export']);
  assert.is(r.code, 0, r.stderr);
  assert.is(fake.count('Authorize'), 1);
  assert.ok(parseExports(r.stdout).AWS_ACCESS_KEY_ID);
  // And the next run uses the new session: no login.
  dropCredentials();
  fake.clearLog();
  const again = await timed(['export', '--no-login']);
  assert.is(again.code, 0, again.stderr);
  assert.is(fake.count('Authorize'), 0);
});

test('expired refresh token: refresh refused once, one browser login', async () => {
  dropCredentials();
  rmSync(cacheDirs(sb).atmosSso, { recursive: true, force: true }); // Atmos's copy of the session
  const tokenFile = join(cacheDirs(sb).awsSso, '520d081ff744622a81286dc87e136c6485c7253f.json');
  const o = JSON.parse(readFileSync(tokenFile, 'utf8')) as Record<string, string>;
  o.expiresAt = new Date(Date.now() - 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  writeFileSync(tokenFile, JSON.stringify(o), { mode: 0o600 });
  fake.expireRefreshTokens();
  fake.clearLog();
  const r = await timed(['export']);
  assert.is(r.code, 0, r.stderr);
  assert.is(fake.count('Authorize'), 1, 'one login');
  assert.is(fake.requests().filter((q) => q.op === 'CreateToken').length, 2, 'the refused refresh, then the login');
});

/** Starts the CLI without waiting; resolves with the exit status. */
function start(args: string[], env: Record<string, string> = {}, cwd = sb.stackDir('plat/dev')) {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...sb.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>((ok) =>
    child.on('close', (code, signal) => ok({ code, signal, stdout, stderr })));
  return { child, done, stderr: () => stderr };
}

async function until(cond: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

test('SIGKILL at random moments of cold exports (15 rounds x 4 processes): every cache file is valid JSON or absent', async () => {
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const dirs = ['plat/dev', 'plat/staging', 'plat/sandbox', 'plat/prod'];
  let killed = 0;
  for (let round = 0; round < 15; round++) {
    dropCredentials();
    rmSync(join(cacheDirs(sb).own, 'resolve'), { recursive: true, force: true });
    const procs = dirs.map((d) => start(['export', '--no-login'], {}, sb.stackDir(d)));
    await Promise.all(procs.map(async (p) => {
      await new Promise((r) => setTimeout(r, 40 + rand() * 400));
      if (p.child.exitCode === null && p.child.kill('SIGKILL')) killed++;
    }));
    const results = await Promise.all(procs.map((p) => p.done));
    for (const r of results) {
      if (r.signal) continue;
      assert.is(r.code, 0, r.stderr);
      assert.ok(parseExports(r.stdout).AWS_SESSION_TOKEN);
    }
    assert.equal(unparsableCacheFiles(sb), [], `round ${round}`);
  }
  assert.ok(killed > 8, `processes were killed mid-run (${killed})`);
  // And the caches still work after all that.
  const r = await timed(['export', '--no-login']);
  assert.is(r.code, 0, r.stderr);
});

/**
 * A BROWSER that completes the sign-in only once the test opens `gate` (a person taking their
 * time). It gives up when the sandbox is removed: a gate never opened must not leave it running.
 */
function gatedBrowser(gate: string): string {
  const f = join(sb.dir, 'browser-gated.sh');
  writeFileSync(f, `#!/bin/sh\nwhile [ ! -e "$GATE" ]; do [ -d '${sb.dir}' ] || exit 0; sleep 0.05; done\nexec '${BROWSER}' "$@"\n`);
  chmodSync(f, 0o755);
  rmSync(gate, { force: true });
  return f;
}

/** Forgets the SSO session (token files) and credentials, so the next export must log in. */
function loggedOut(): void {
  dropCredentials();
  for (const f of listFiles(cacheDirs(sb).awsSso)) {
    const p = join(cacheDirs(sb).awsSso, f);
    if ((JSON.parse(readFileSync(p, 'utf8')) as { accessToken?: string }).accessToken) rmSync(p);
  }
  rmSync(cacheDirs(sb).atmosSso, { recursive: true, force: true }); // Atmos's copy of the session
}

test('a lock left by a process killed during its browser login: the next process recovers (stale lock), no endless wait', async () => {
  loggedOut();
  // This browser never completes: the login waits for a callback that does not come.
  const a = start(['export'], { BROWSER: gatedBrowser(join(sb.dir, 'never')), GATE: join(sb.dir, 'never') });
  await until(() => a.stderr().includes('/authorize?'));
  a.child.kill('SIGKILL');
  await a.done;
  fake.clearLog();
  const r = await timed(['export']);
  assert.is(r.code, 0, r.stderr);
  assert.ok(r.ms < HANG_BOUND_MS, `recovered after ${r.ms} ms`);
  assert.is(fake.count('Authorize'), 1);
});

test('hook safety: while another terminal is in a browser login, --no-login exports give up within seconds with a clear message; a login-capable one waits and needs no second login', async () => {
  loggedOut();
  fake.clearLog();
  const gate = join(sb.dir, 'gate-1');
  const a = start(['export'], { BROWSER: gatedBrowser(gate), GATE: gate });
  await until(() => a.stderr().includes('/authorize?'));
  // Same identity (waits on the credentials lock) and another identity of the same SSO session (the SSO lock).
  const [same, other] = await Promise.all([
    timed(['export', '--no-login']),
    timed(['export', '--no-login'], { cwd: sb.stackDir('plat/staging') }),
  ]);
  for (const r of [same, other]) {
    assert.is(r.code, 1, r.stderr);
    assert.is(r.stdout, '');
    assert.match(r.stderr, /another terminal is signing in to acme-sso/);
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.ok(r.ms < 15_000, `gave up after ${r.ms} ms`);
  }
  assert.is(a.child.exitCode, null, 'the login is still in progress');
  // A run that may log in itself says it waits for that login, instead of starting a second one.
  const c = start(['export'], {}, sb.stackDir('plat/sandbox'));
  await until(() => c.stderr().includes('waiting for the sign-in to acme-sso'));
  writeFileSync(gate, '');
  const [ra, rc] = await Promise.all([a.done, c.done]);
  assert.is(ra.code, 0, ra.stderr);
  assert.is(rc.code, 0, rc.stderr);
  assert.ok(parseExports(rc.stdout).AWS_SESSION_TOKEN);
  assert.is(fake.count('Authorize'), 1, 'one login in all');
  // Once it is done, the hook's export succeeds without a login.
  const after = await timed(['export', '--no-login'], { cwd: sb.stackDir('plat/staging') });
  assert.is(after.code, 0, after.stderr);
});

test('hook safety in a real shell: the hook (no terminal) returns quickly during another terminal\'s login, environment unchanged', async () => {
  loggedOut();
  const gate = join(sb.dir, 'gate-2');
  const a = start(['export'], { BROWSER: gatedBrowser(gate), GATE: gate });
  await until(() => a.stderr().includes('/authorize?'));
  const hook = hookFile(sb.dir, 'bash');
  const script = [
    `source '${hook}'`,
    "export AWS_PROFILE='my own'",
    `cd '${sb.stackDir('plat/dev')}'`,
    '__atmos_auth_prompt_command',
    'echo "rc=$? profile=${AWS_PROFILE-unset} identity=${ATMOS_AUTH_IDENTITY-unset}"',
  ].join('\n');
  const t = Date.now();
  const r = runShell('bash', script, { ...sb.env, BROWSER: '' });
  assert.ok(Date.now() - t < 15_000, `prompt back after ${Date.now() - t} ms`);
  assert.is(r.stdout.trim(), 'rc=0 profile=my own identity=unset');
  assert.match(r.stderr, /another terminal is signing in to acme-sso/);
  assert.is(a.child.exitCode, null, 'while the login was still running');
  writeFileSync(gate, '');
  assert.is((await a.done).code, 0);
});

test.run();
