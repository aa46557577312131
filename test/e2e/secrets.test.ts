// With ATMOS_LOGS_LEVEL=debug, every command's stderr (and the stdout of commands that are not
// meant to print credentials) must hold none of the secrets the emulator handed out: role keys,
// session tokens, SSO access/refresh tokens, the client secret, IAM user keys, the GitHub token.
// Also: cache files 0600 in 0700 dirs under umask 000.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SUPERADMIN } from '../fake-aws/scenario.ts';
import { startFakeAws } from '../fake-aws/server.ts';
import { cli, parseExports, sandbox, type RunResult } from './helpers.ts';

process.umask(0); // children inherit it: files must still come out private
const fake = await startFakeAws({ scenario: { accessTokenTtl: 600 } });
const sb = sandbox(fake, { ATMOS_LOGS_LEVEL: 'debug' });

test.after(async () => {
  await fake.close();
  sb.cleanup();
});

const logs: string[] = [];
const secrets = new Set<string>([SUPERADMIN.secretAccessKey, fake.scenario.github.requestToken]);
const keep = (r: RunResult, stdoutIsData = false) => {
  logs.push(r.stderr);
  if (!stdoutIsData) logs.push(r.stdout);
  return r;
};
const fromExport = (r: RunResult) => {
  const e = parseExports(r.stdout);
  for (const k of ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']) if (e[k]) secrets.add(e[k]!);
};

test('a debug session across every command', async () => {
  // SSO: cold, warm, refresh (token TTL 600 s < 900 s: every fetch refreshes), whoami, status, exec, login, logout.
  fromExport(keep(await cli(sb, ['export']), true));
  fromExport(keep(await cli(sb, ['export']), true));
  fromExport(keep(await cli(sb, ['export'], { env: { ATMOS_AUTH_MIN_TTL: '7200' } }), true));
  assert.ok(fake.requests().some((e) => e.op === 'CreateToken' && e.grantType === 'refresh_token'));
  keep(await cli(sb, ['whoami']));
  keep(await cli(sb, ['status']));
  keep(await cli(sb, ['status', '--json']));
  keep(await cli(sb, ['exec', '--', process.execPath, '-e', 'process.exit(0)']));
  const cp = keep(await cli(sb, ['credential-process', '--identity', 'plat-dev/terraform']), true);
  secrets.add((JSON.parse(cp.stdout) as { SecretAccessKey: string }).SecretAccessKey);
  keep(await cli(sb, ['login', '--identity', 'core-auto/terraform']));
  // SSO tokens, refresh token and client secret as written to the shared AWS CLI cache.
  const ssoDir = join(sb.home, '.aws/sso/cache');
  for (const f of readdirSync(ssoDir)) {
    const j = JSON.parse(readFileSync(join(ssoDir, f), 'utf8')) as Record<string, unknown>;
    for (const k of ['accessToken', 'refreshToken', 'clientSecret']) if (typeof j[k] === 'string') secrets.add(j[k] as string);
  }
  // IAM user with MFA, then GitHub OIDC.
  keep(await cli(sb, ['user', 'configure', 'superadmin'], { env: { ATMOS_PROFILE: 'superadmin' }, input: `${SUPERADMIN.accessKeyId}\n${SUPERADMIN.secretAccessKey}\n` }));
  fromExport(keep(await cli(sb, ['export'], { env: { ATMOS_PROFILE: 'superadmin' }, cwd: sb.stackDir('core/root'), input: `${SUPERADMIN.mfaCode}\n` }), true));
  fromExport(keep(await cli(sb, ['export'], {
    env: { ATMOS_PROFILE: 'github-apply', ACTIONS_ID_TOKEN_REQUEST_URL: `${fake.url}/__github/token`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: fake.scenario.github.requestToken },
  }), true));
  keep(await cli(sb, ['logout', '--all']));
  assert.ok(logs.join('').includes('atmos-auth debug:'), 'debug output was on');
  assert.ok(secrets.size >= 10, `only ${secrets.size} secrets collected`);
});

test('no secret in any debug output', () => {
  const all = logs.join('\n');
  for (const s of secrets) {
    assert.ok(s.length >= 8);
    assert.not.ok(all.includes(s), `a secret (${s.length} chars, starts ${s.slice(0, 3)}) leaked into the output`);
  }
});

test('every file under the cache and data dirs is 0600, every dir 0700 (umask 000)', () => {
  const walk = (d: string) => {
    assert.is(statSync(d).mode & 0o777, 0o700, d);
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        if (e.name === 'locks' || d.endsWith('/locks')) continue; // lock dirs hold no secret
        walk(p);
      } else assert.is(statSync(p).mode & 0o777, 0o600, p);
    }
  };
  walk(join(sb.home, '.cache/atmos-auth'));
  walk(join(sb.home, '.local/share/atmos-auth'));
});

test.run();
