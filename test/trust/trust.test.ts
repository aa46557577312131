// Trust (as `direnv allow`), end to end with the built CLI and the emulator: an unallowed repository
// gets no request and no cached credentials from `export`; allow makes it work; a changed start URL
// or region is refused with both values named; deny removes the record; explicit commands work
// without an allow and name the start URL they use.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFakeAws } from '../fake-aws/server.ts';
import { cli, parseExports, sandbox } from '../e2e/helpers.ts';

const fake = await startFakeAws();
const sb = sandbox(fake, {}, { allow: false });
const dev = sb.stackDir('plat/dev');
const yaml = join(sb.acme, 'atmos.yaml');
const original = readFileSync(yaml, 'utf8');
const trustDir = join(sb.home, '.config/atmos-auth/trust');
/** The one allow record (a file per repository under <config>/trust/). */
const recordFile = () => {
  const files = readdirSync(trustDir).filter((f) => f.endsWith('.json'));
  assert.is(files.length, 1, files.join(' '));
  return join(trustDir, files[0]!);
};

test.after(async () => {
  await fake.close();
  sb.cleanup();
});

const oneLine = (s: string) => s.trim().split('\n').length === 1;

test('not allowed: export makes no request, prints nothing, exits 3 with the allow command', async () => {
  for (const args of [['export'], ['export', '--format', 'zsh'], ['export', '--format', 'fish', '--no-login'], ['export', '--format', 'json']]) {
    const r = await cli(sb, args, { cwd: dev });
    assert.is(r.code, 3, r.stderr);
    assert.is(r.stdout, '');
    assert.ok(oneLine(r.stderr), r.stderr);
    assert.ok(r.stderr.includes(`${sb.acme} is not allowed`), r.stderr);
    assert.ok(r.stderr.includes(`atmos-auth allow ${sb.acme}`), r.stderr);
  }
  assert.is(fake.requests().length, 0, 'no request reached the emulator');
});

test('not allowed: ATMOS_IDENTITY from the environment is not explicit (the hook passes it on)', async () => {
  const r = await cli(sb, ['export'], { cwd: dev, env: { ATMOS_IDENTITY: 'core-auto/terraform' } });
  assert.is(r.code, 3);
  assert.is(r.stdout, '');
  assert.is(fake.requests().length, 0);
});

test('explicit: export --identity works without an allow and names the start URL on stderr', async () => {
  const r = await cli(sb, ['export', '--identity', 'plat-dev/terraform'], { cwd: dev });
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, /as you asked explicitly, plat-dev\/terraform signs in through acme-sso \(aws\/iam-identity-center, start URL https:\/\/acme\.awsapps\.com\/start\/, region us-east-1\)/);
  assert.ok(parseExports(r.stdout).AWS_SECRET_ACCESS_KEY);
  assert.ok(fake.count('GetRoleCredentials') >= 1);
});

test('not allowed: cached credentials from an earlier session are not served by export', async () => {
  fake.clearLog();
  const r = await cli(sb, ['export'], { cwd: dev });
  assert.is(r.code, 3);
  assert.is(r.stdout, '', 'the cached plat-dev credentials stay unused');
  assert.is(fake.requests().length, 0);
});

test('explicit: login --provider works without an allow and prints the start URL', async () => {
  const r = await cli(sb, ['login', '--provider', 'acme-sso', '--force'], { cwd: dev });
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, /signing in to acme-sso at https:\/\/acme\.awsapps\.com\/start\/ \(us-east-1\)/);
  assert.ok(fake.count('CreateToken') >= 1);
});

test('explicit: login --identity, whoami, exec and credential-process work and name the start URL', async () => {
  for (const args of [
    ['login', '--identity', 'plat-dev/terraform'],
    ['whoami'],
    ['exec', '--', process.execPath, '-e', 'process.exit(process.env.AWS_ACCESS_KEY_ID ? 0 : 5)'],
    ['credential-process', '--identity', 'plat-dev/terraform', '--root', sb.acme],
  ]) {
    const r = await cli(sb, args, { cwd: dev });
    assert.is(r.code, 0, `${args[0]}: ${r.stderr}`);
    assert.match(r.stderr, /is not allowed \(atmos-auth allow .*\); as you asked explicitly, plat-dev\/terraform signs in through acme-sso \(aws\/iam-identity-center, start URL https:\/\/acme\.awsapps\.com\/start\//, args[0]);
  }
});

test('allow: records the repository (0600) and export works, quietly', async () => {
  const a = await cli(sb, ['allow'], { cwd: dev });
  assert.is(a.code, 0, a.stderr);
  assert.match(a.stdout, new RegExp(`allowed ${sb.acme}`));
  assert.match(a.stdout, /acme-sso \(aws\/iam-identity-center, start URL https:\/\/acme\.awsapps\.com\/start\/, region us-east-1\)/);
  assert.match(a.stdout, /github-oidc \(github\/oidc, audience sts\.amazonaws\.com/, 'every profile\'s providers are pinned');
  assert.match(a.stdout, /superadmin \(aws\/user, MFA device arn:aws:iam::100000000003:mfa\/superadmin/);
  assert.is(statSync(recordFile()).mode & 0o777, 0o600);
  assert.is(statSync(trustDir).mode & 0o777, 0o700);
  const r = await cli(sb, ['export'], { cwd: dev });
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stderr, '');
  assert.is(parseExports(r.stdout).ATMOS_AUTH_IDENTITY, 'plat-dev/terraform');
  const w = await cli(sb, ['whoami'], { cwd: dev });
  assert.is(w.code, 0);
  assert.is(w.stderr, '', 'no notice once allowed');
});

test('allow covers every profile: switching ATMOS_PROFILE needs no new allow', async () => {
  const r = await cli(sb, ['export'], { cwd: sb.stackDir('plat/prod'), env: { ATMOS_PROFILE: 'managers' } });
  assert.is(r.code, 0, r.stderr);
  assert.is(parseExports(r.stdout).ATMOS_AUTH_IDENTITY, 'plat-prod/terraform');
});

test('allowed lists the record, text and JSON', async () => {
  const t = await cli(sb, ['allowed'], { cwd: sb.home });
  assert.is(t.code, 0);
  assert.match(t.stdout, new RegExp(`^${sb.acme} `));
  const j = JSON.parse((await cli(sb, ['allowed', '--json'], { cwd: sb.home })).stdout) as { root: string; exists: boolean; pins: { name: string; values: Record<string, string> }[] }[];
  assert.is(j.length, 1);
  assert.is(j[0]!.root, sb.acme);
  assert.ok(j[0]!.exists);
  assert.equal(j[0]!.pins.find((p) => p.name === 'acme-sso')!.values, { start_url: 'https://acme.awsapps.com/start/', region: 'us-east-1' });
});

test('a changed start URL is refused before any request, naming the old and the new value', async () => {
  writeFileSync(yaml, original.replace('https://acme.awsapps.com/start/', 'https://evil.example.com/start/'));
  fake.clearLog();
  const r = await cli(sb, ['export'], { cwd: dev });
  assert.is(r.code, 3, r.stderr);
  assert.is(r.stdout, '');
  assert.ok(oneLine(r.stderr), r.stderr);
  assert.ok(r.stderr.includes('provider acme-sso: start URL changed from https://acme.awsapps.com/start/ to https://evil.example.com/start/'), r.stderr);
  assert.ok(r.stderr.includes(`atmos-auth allow ${sb.acme}`));
  assert.is(fake.requests().length, 0, 'the cached credentials of the old URL are not served either');
});

test('a changed region is refused too, and both changes are named', async () => {
  writeFileSync(yaml, original.replace('https://acme.awsapps.com/start/', 'https://evil.example.com/start/').replace('region: us-east-1', 'region: eu-west-1'));
  const r = await cli(sb, ['export'], { cwd: dev });
  assert.is(r.code, 3);
  assert.ok(r.stderr.includes('start URL changed from https://acme.awsapps.com/start/ to https://evil.example.com/start/, region changed from us-east-1 to eu-west-1'), r.stderr);
  assert.is(fake.requests().length, 0);
});

test('a provider added after the allow is refused', async () => {
  writeFileSync(yaml, original.replace('      start_url:', '      start_url: https://other.awsapps.com/start/\n      x_was_start_url:').replace('acme-sso:\n', 'other-sso:\n'));
  const dir = join(sb.acme, 'profiles/developers/atmos.yaml');
  const prof = readFileSync(dir, 'utf8');
  writeFileSync(dir, prof.replaceAll('provider: acme-sso', 'provider: other-sso'));
  try {
    const r = await cli(sb, ['export'], { cwd: dev });
    assert.is(r.code, 3, r.stderr);
    assert.match(r.stderr, /other-sso \(aws\/iam-identity-center, start URL https:\/\/other\.awsapps\.com\/start\/, region us-east-1\) was not in its configuration when you allowed it/);
    assert.is(fake.requests().length, 0);
  } finally {
    writeFileSync(dir, prof);
  }
});

test('re-allow after reverting restores export; deny removes the record', async () => {
  writeFileSync(yaml, original);
  assert.is((await cli(sb, ['export'], { cwd: dev })).code, 0, 'the original values are still the pinned ones');
  const d = await cli(sb, ['deny', sb.stackDir('plat')], { cwd: sb.home });
  assert.is(d.code, 0, d.stderr);
  assert.match(d.stdout, new RegExp(`denied ${sb.acme}`));
  fake.clearLog();
  const r = await cli(sb, ['export'], { cwd: dev });
  assert.is(r.code, 3);
  assert.is(r.stdout, '');
  assert.is(fake.requests().length, 0);
  assert.equal(JSON.parse((await cli(sb, ['allowed', '--json'])).stdout), []);
  const again = await cli(sb, ['deny'], { cwd: dev });
  assert.is(again.code, 0);
  assert.match(again.stdout, /was not allowed/);
});

test('a trust file open to others is refused, not trusted', async () => {
  assert.is((await cli(sb, ['allow', sb.acme])).code, 0);
  const { chmodSync } = await import('node:fs');
  const file = recordFile();
  chmodSync(file, 0o666);
  const r = await cli(sb, ['export'], { cwd: dev });
  assert.not.equal(r.code, 0);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /refusing to use .*atmos-auth\/trust\/[0-9a-f]{16}\.json/);
  chmodSync(file, 0o600);
});

test('a symlinked checkout is the same repository (realpath)', async () => {
  const { symlinkSync } = await import('node:fs');
  const link = join(sb.dir, 'acme-link');
  symlinkSync(sb.acme, link);
  const r = await cli(sb, ['export'], { cwd: join(link, 'stacks/orgs/acme/plat/dev') });
  assert.is(r.code, 0, r.stderr);
});

test.run();
