// Secrets, end to end under umask 000 with ATMOS_LOGS_LEVEL=debug: a full session (PKCE login,
// device-code login, refresh, every command, IAM user with MFA, GitHub OIDC, logout) runs through a
// recording proxy that collects every secret crossing the wire. None may appear on stderr or in
// the stdout of commands that do not print credentials; `exec` passes them by environment only
// (the child's and atmos-auth's /proc/<pid>/cmdline hold none); every file under our directories
// and ~/.aws/sso/cache is 0600 in 0700 directories.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SUPERADMIN } from '../fake-aws/scenario.ts';
import { startFakeAws } from '../fake-aws/server.ts';
import { cli, parseExports, sandbox, type RunResult } from '../e2e/helpers.ts';
import { startRecorder } from './recorder.ts';

process.umask(0); // children inherit it: files must still come out private
const fake = await startFakeAws({ scenario: { accessTokenTtl: 600 } });
const rec = await startRecorder(fake.url);
const endpoints = { AWS_ENDPOINT_URL_SSO_OIDC: rec.url, AWS_ENDPOINT_URL_SSO: rec.url, AWS_ENDPOINT_URL_STS: rec.url };
const sb = sandbox(fake, { ATMOS_LOGS_LEVEL: 'debug', ...endpoints });

test.after(async () => {
  await rec.close();
  await fake.close();
  sb.cleanup();
});

const outputs: { what: string; text: string }[] = [];
const keep = (what: string, r: RunResult, stdoutIsData = false) => {
  outputs.push({ what: `${what} (stderr)`, text: r.stderr });
  if (!stdoutIsData) outputs.push({ what: `${what} (stdout)`, text: r.stdout });
  return r;
};
const must = (what: string, r: RunResult, stdoutIsData = false) => {
  keep(what, r, stdoutIsData);
  assert.is(r.code, 0, `${what}: ${r.stderr}`);
  return r;
};
let execSeen: { self: string; parent: string; secret: string | undefined } | undefined;
let exported: Record<string, string> = {};

test('a debug session across every command, through the recording proxy', async () => {
  exported = parseExports(must('export cold (PKCE login)', await cli(sb, ['export']), true).stdout);
  must('export warm', await cli(sb, ['export']), true);
  must('export refresh', await cli(sb, ['export'], { env: { ATMOS_AUTH_MIN_TTL: '7200' } }), true);
  must('login device code', await cli(sb, ['login', '--provider', 'acme-sso', '--device-code', '--force']));
  must('whoami', await cli(sb, ['whoami']));
  must('whoami json', await cli(sb, ['whoami', '--json']));
  must('status', await cli(sb, ['status']));
  must('status json', await cli(sb, ['status', '--json']));
  must('list', await cli(sb, ['list']));
  must('allowed', await cli(sb, ['allowed', '--json']));
  // exec: the child reports its own argv, its parent's (atmos-auth) argv and the secret it got by env.
  const probe = join(sb.dir, 'probe.json');
  const script = `const fs=require('fs');fs.writeFileSync(${JSON.stringify(probe)},JSON.stringify({self:fs.readFileSync('/proc/self/cmdline','utf8'),parent:fs.readFileSync('/proc/'+process.ppid+'/cmdline','utf8'),secret:process.env.AWS_SECRET_ACCESS_KEY}))`;
  must('exec', await cli(sb, ['exec', '--', process.execPath, '-e', script]));
  execSeen = JSON.parse(readFileSync(probe, 'utf8')) as typeof execSeen;
  must('credential-process', await cli(sb, ['credential-process', '--identity', 'plat-dev/terraform']), true);
  must('login identity', await cli(sb, ['login', '--identity', 'core-auto/terraform']));
  must('user configure', await cli(sb, ['user', 'configure', 'superadmin'], { env: { ATMOS_PROFILE: 'superadmin' }, input: `${SUPERADMIN.accessKeyId}\n${SUPERADMIN.secretAccessKey}\n` }));
  must('export aws/user + MFA', await cli(sb, ['export'], { env: { ATMOS_PROFILE: 'superadmin' }, cwd: sb.stackDir('core/root'), input: `${SUPERADMIN.mfaCode}\n` }), true);
  must('export github oidc', await cli(sb, ['export', '--format', 'json'], {
    env: { ATMOS_PROFILE: 'github-apply', ACTIONS_ID_TOKEN_REQUEST_URL: `${rec.url}/__github/token`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: fake.scenario.github.requestToken },
  }), true);
  assert.ok(outputs.some((o) => o.text.includes('atmos-auth debug:')), 'debug output was on');
});

test('the proxy saw every kind of secret', () => {
  rec.secrets.add(SUPERADMIN.secretAccessKey);
  rec.secrets.add(fake.scenario.github.requestToken);
  for (const k of ['accessToken', 'refreshToken', 'clientSecret', 'codeVerifier', 'authorization-code', 'deviceCode', 'secretAccessKey', 'sessionToken', 'SecretAccessKey', 'SessionToken', 'bearer', 'value', 'WebIdentityToken']) {
    assert.ok(rec.kinds.has(k), `no ${k} seen (saw ${[...rec.kinds].join(', ')})`);
  }
  assert.ok(rec.secrets.size >= 20, `only ${rec.secrets.size} secrets`);
  assert.ok(rec.secrets.has(exported.AWS_SECRET_ACCESS_KEY!), 'the exported key went through the proxy');
});

test('no secret on any stderr, debug line or non-credential stdout', () => {
  for (const { what, text } of outputs) {
    for (const s of rec.secrets) assert.not.ok(text.includes(s), `${what}: a secret (${s.length} chars, starts ${s.slice(0, 4)}) leaked`);
  }
});

test('exec: credentials reach the child by environment, never in its argv or atmos-auth\'s', () => {
  assert.ok(execSeen);
  assert.ok(execSeen.secret && rec.secrets.has(execSeen.secret), 'the child got the secret key in its environment');
  assert.ok(execSeen.parent.includes('exec'), `parent cmdline is atmos-auth's: ${execSeen.parent.replaceAll('\0', ' ')}`);
  for (const s of rec.secrets) {
    assert.not.ok(execSeen.self.includes(s), 'secret in the child argv');
    assert.not.ok(execSeen.parent.includes(s), 'secret in atmos-auth argv');
  }
});

/** Every file under our directories and ~/.aws/sso/cache, asserting 0600 files in 0700 dirs. */
function walkPrivate(): string[] {
  const seen: string[] = [];
  const walk = (d: string) => {
    assert.is(statSync(d).mode & 0o777, 0o700, d);
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        // proper-lockfile's lock directories (`<sha1>.lock`, no content) live only while held.
        if (e.name.endsWith('.lock')) continue;
        walk(p);
      } else {
        seen.push(p);
        assert.is(statSync(p).mode & 0o777, 0o600, p);
      }
    }
  };
  // .cache/atmos: Atmos's SSO session file, which our logins write too (issue 13).
  for (const d of ['.cache/atmos-auth', '.config/atmos-auth', '.local/share/atmos-auth', '.aws/sso/cache', '.cache/atmos']) walk(join(sb.home, d));
  assert.is(statSync(join(sb.home, '.aws/sso')).mode & 0o777, 0o700, '~/.aws/sso (created by us)');
  return seen;
}

test('umask 000: every file we wrote is 0600, every directory 0700', () => {
  const seen = walkPrivate();
  assert.ok(seen.some((p) => p.includes('/atmos-auth/trust/')), 'trust record');
  assert.ok(seen.some((p) => p.includes('/credentials/')), 'role credentials cache');
  assert.ok(seen.some((p) => p.includes('.local/share/atmos-auth')), 'IAM user keys');
  assert.ok(seen.some((p) => p.includes('/.cache/atmos/aws-sso/sessions/')), "Atmos's SSO session file");
  assert.ok(seen.length >= 8, `${seen.length} files`);
});

test('logout --all: prints no secret, leaves only private files', async () => {
  const r = await cli(sb, ['logout', '--all']);
  assert.is(r.code, 0, r.stderr);
  for (const s of rec.secrets) assert.not.ok((r.stdout + r.stderr).includes(s), 'logout printed a secret');
  walkPrivate();
});

test.run();
