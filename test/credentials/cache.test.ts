// The credentials cache and the warm path, in process: keys per chain, private files even with
// umask 000, corrupted files as misses, unsafe files refused, ATMOS_AUTH_MIN_TTL, and a warm
// getCredentials that loads nothing from src/aws, no SDK, no YAML, no lock library.
import { chmodSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ChainHop, Resolution } from '../../src/atmos/types.ts';

const loaded: string[] = [];
registerHooks({
  resolve(specifier, context, next) {
    loaded.push(specifier);
    return next(specifier, context);
  },
});

const home = mkdtempSync(join(tmpdir(), 'atmos-auth-cache-'));
process.env.HOME = home;
process.env.XDG_CACHE_HOME = join(home, 'cache');
process.env.XDG_DATA_HOME = join(home, 'data');
process.env.XDG_CONFIG_HOME = join(home, 'config');
delete process.env.ATMOS_AUTH_MIN_TTL;
// Never the real keychain: without a session bus the user store is the file store.
delete process.env.DBUS_SESSION_BUS_ADDRESS;
process.umask(0);

const { getCredentials } = await import('../../src/credentials/get-credentials.ts');
const cache = await import('../../src/credentials/cache.ts');
const { InsecureFileError } = await import('../../src/util/secure-file.ts');

const sso: ChainHop = { kind: 'aws/iam-identity-center', name: 'acme-sso', startUrl: 'https://acme.awsapps.com/start/', region: 'us-east-1' };
const ps = (account: string, set = 'TerraformApplyAccess'): ChainHop => ({ kind: 'aws/permission-set', name: `${account}/terraform`, permissionSet: set, account: { name: account } });
const chain = [sso, ps('plat-dev')];

function resolution(c: ChainHop[] = chain, profiles = ['developers']): Resolution {
  return { root: '/repo', profiles, stacks: ['plat-use2-dev'], identity: c[c.length - 1]!.name, source: 'stack', region: 'us-east-2', chain: c, files: [], dirs: [] };
}

const creds = (secs: number) => ({ accessKeyId: 'ASIATEST', secretAccessKey: 'secret-value', sessionToken: 'token-value', expiration: new Date(Date.now() + secs * 1000) });

test.after(() => rmSync(home, { recursive: true, force: true }));

test('chain keys: stable, and different for any part of the chain or the profile', () => {
  const k = cache.chainKey(chain, ['developers']);
  assert.match(k, /^[0-9a-f]{40}$/);
  assert.is(cache.chainKey(chain, ['developers']), k);
  assert.is.not(cache.chainKey(chain, ['devops']), k);
  assert.is.not(cache.chainKey([sso, ps('plat-prod')], ['developers']), k);
  assert.is.not(cache.chainKey([sso, ps('plat-dev', 'TerraformPlanAccess')], ['developers']), k);
  assert.is.not(cache.chainKey([{ ...sso, startUrl: 'https://evil.example/start' } as ChainHop, ps('plat-dev')], ['developers']), k);
  const role = (arn: string): ChainHop => ({ kind: 'aws/assume-role', name: 'x', roleArn: arn });
  assert.is.not(cache.chainKey([...chain, role('arn:aws:iam::1:role/a')], []), cache.chainKey([...chain, role('arn:aws:iam::1:role/b')], []));
});

test('ATMOS_AUTH_MIN_TTL: default 900 s, whole seconds, garbage ignored', () => {
  assert.is(cache.minTtlSeconds({}), 900);
  assert.is(cache.minTtlSeconds({ ATMOS_AUTH_MIN_TTL: '60' }), 60);
  assert.is(cache.minTtlSeconds({ ATMOS_AUTH_MIN_TTL: 'soon' }), 900);
  assert.is(cache.minTtlSeconds({ ATMOS_AUTH_MIN_TTL: '-5' }), 900);
  assert.ok(cache.isFresh(creds(901), 900));
  assert.not.ok(cache.isFresh(creds(899), 900));
  assert.ok(cache.isFresh({ accessKeyId: 'a', secretAccessKey: 'b' }, 900));
});

test('write/read round trip; file 0600 and dirs 0700 even with umask 000', async () => {
  const key = cache.chainKey(chain, ['developers']);
  await cache.writeCached(key, { identity: 'plat-dev/terraform', profiles: ['developers'], chain, credentials: creds(3600) });
  const e = cache.readCached(key);
  assert.ok(e);
  assert.is(e!.credentials.secretAccessKey, 'secret-value');
  assert.is(e!.identity, 'plat-dev/terraform');
  assert.is(statSync(join(cache.credentialsDir(), `${key}.json`)).mode & 0o777, 0o600);
  assert.is(statSync(cache.credentialsDir()).mode & 0o777, 0o700);
});

test('warm getCredentials: from the cache, loading nothing from src/aws, no SDK, no YAML, no lock', async () => {
  const before = loaded.length;
  const r = await getCredentials(resolution(), { login: 'never', stderr: process.stderr });
  assert.ok(r.fromCache);
  assert.is(r.credentials.sessionToken, 'token-value');
  assert.is(r.hop.name, 'plat-dev/terraform');
  const all = loaded.join(' ');
  for (const bad of ['/aws/', '@aws-sdk', 'yaml', 'proper-lockfile', 'fetch-chain', '/atmos/resolve']) assert.not.ok(all.includes(bad), `${bad} was loaded: ${all}`);
  assert.is(loaded.length, before, 'the warm call loaded new modules');
});

for (const [name, body] of [
  ['empty', ''],
  ['truncated', '{"version":1,"identity":"plat-dev/terraform","credentials":{"accessKeyId":"A'],
  ['wrong types', JSON.stringify({ version: 1, identity: 5, profiles: [], chain: [], credentials: { accessKeyId: 1, secretAccessKey: [] } })],
  ['bad expiration', JSON.stringify({ version: 1, identity: 'x', profiles: [], chain: [], credentials: { accessKeyId: 'A', secretAccessKey: 'B', expiration: 'tomorrow' } })],
  ['null', 'null'],
] as const) {
  test(`corrupted cache file (${name}) is a miss and gets replaced`, async () => {
    const key = cache.chainKey([sso, ps(`corrupt-${name.replace(/ /g, '-')}`)], []);
    const file = join(cache.credentialsDir(), `${key}.json`);
    writeFileSync(file, body, { mode: 0o600 });
    chmodSync(file, 0o600);
    assert.is(cache.readCached(key), null);
    await cache.writeCached(key, { identity: 'x', profiles: [], chain, credentials: creds(3600) });
    assert.is(cache.readCached(key)?.credentials.accessKeyId, 'ASIATEST');
  });
}

test('unsafe cache files are refused with what to do: open mode, symlink', async () => {
  const key = cache.chainKey([sso, ps('open-mode')], []);
  await cache.writeCached(key, { identity: 'x', profiles: [], chain, credentials: creds(3600) });
  const file = join(cache.credentialsDir(), `${key}.json`);
  chmodSync(file, 0o644);
  assert.throws(() => cache.readCached(key), (e: unknown) => e instanceof InsecureFileError && /chmod 600 '.*'; otherwise remove it \(rm -f/.test((e as InstanceType<typeof InsecureFileError>).render()));
  const key2 = cache.chainKey([sso, ps('symlink')], []);
  const target = join(home, 'elsewhere.json');
  writeFileSync(target, '{}', { mode: 0o600 });
  symlinkSync(target, join(cache.credentialsDir(), `${key2}.json`));
  assert.throws(() => cache.readCached(key2), (e: unknown) => e instanceof InsecureFileError);
  // A write never follows the planted link: it replaces it.
  await cache.writeCached(key2, { identity: 'x', profiles: [], chain, credentials: creds(3600) });
  assert.ok(cache.readCached(key2));
  assert.is((await import('node:fs')).readFileSync(target, 'utf8'), '{}');
});

test('listCached skips unsafe and corrupted entries; removeCached deletes', async () => {
  const list = cache.listCached();
  assert.ok(list.some((e) => e.identity === 'plat-dev/terraform'));
  const key = cache.chainKey(chain, ['developers']);
  assert.ok(cache.removeCached(key));
  assert.is(cache.readCached(key), null);
});

test('user keys: stored 0600 under the data dir, read back, names case-insensitive', async () => {
  const us = await import('../../src/credentials/user-store.ts');
  const at = await us.writeUserKeys('SuperAdmin', { accessKeyId: 'AKIAEXAMPLE000000000', secretAccessKey: 'very-secret' });
  assert.is(at.store, 'file');
  const file = at.where;
  assert.ok(file.startsWith(join(home, 'data')));
  assert.is(statSync(file).mode & 0o777, 0o600);
  assert.is(statSync(join(file, '..')).mode & 0o777, 0o700);
  assert.equal(await us.readUserKeys('superadmin'), { accessKeyId: 'AKIAEXAMPLE000000000', secretAccessKey: 'very-secret' });
  assert.ok(await us.removeUserKeys('superadmin'));
  assert.is(await us.readUserKeys('superadmin'), null);
});

test("Atmos's default role session name: atmos-<identity>-<unix>, sanitized, at most 64", async () => {
  const { defaultSessionName } = await import('../../src/credentials/fetch-chain.ts');
  const d = new Date(1_700_000_000_000);
  assert.is(defaultSessionName('plat-dev/terraform', d), 'atmos-plat-dev-terraform-1700000000');
  const long = defaultSessionName('x'.repeat(100), d);
  assert.ok(long.length <= 64);
  assert.match(defaultSessionName('a b:c', d), /^[A-Za-z0-9+=,.@-]+$/);
});

test.run();
