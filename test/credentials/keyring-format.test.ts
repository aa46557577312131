// Atmos's keyring naming and encodings, in process (no keychain): the item's service name, the
// realm rules and the realm Atmos derives from the path of atmos.yaml, the settings' precedence,
// the AWS envelope byte for byte as Go writes it, and the file keyring's file names and JWE.
// The keychain itself, and the cross-checks with other implementations, are in keyring.test.ts.
import { createHash } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError } from '../../src/errors.ts';
import { configPathRealm, decodeAwsEnvelope, encodeAwsEnvelope, keyringService, keyringSettings, realmProblem } from '../../src/credentials/keyring.ts';
import { fileKeyringFile, fileKeyringPlace, jweDecrypt, jweEncrypt } from '../../src/credentials/keyring-file.ts';

test('service name: atmos_<realm>_<identity>, identity lower-cased, nothing else changed (store.go:39-45)', () => {
  assert.is(keyringService('SuperAdmin', 'acme'), 'atmos_acme_superadmin');
  assert.is(keyringService('plat-dev/Terraform', '0123456789abcdef'), 'atmos_0123456789abcdef_plat-dev/terraform');
  assert.is(keyringService('superadmin', ''), 'atmos_superadmin');
});

test("realm rules: Atmos's valid and invalid examples (pkg/auth/realm/realm_test.go)", () => {
  for (const ok of ['customer123', 'a', 'ab', 'a1b2c3d4', 'my-project_v2', 'a'.repeat(64)]) assert.is(realmProblem(ok), null, ok);
  for (const bad of ['Customer', 'my realm', 'my.realm', 'my@realm', 'my:realm', 'my/realm', 'my\\realm', 'my..realm', '-realm', '_realm', 'realm-', 'realm_', 'my--realm', 'my__realm', 'my-_realm', 'my_-realm', 'a'.repeat(65)]) {
    assert.type(realmProblem(bad), 'string', bad);
  }
  assert.match(realmProblem('my/realm') ?? '', /path separator/);
  assert.match(realmProblem('a'.repeat(65)) ?? '', /at most 64/);
});

test('realm from the path of atmos.yaml: sha256 of the cleaned, lower-cased path, 8 bytes in hex (auth_realm.go:46-51)', () => {
  const want = createHash('sha256').update('/home/me/infra').digest('hex').slice(0, 16);
  assert.is(configPathRealm('/home/me/infra'), want);
  assert.is(configPathRealm('/Home/Me/Infra/'), want, 'Clean drops the trailing slash; then lower-cased');
  assert.is(configPathRealm('/home//me/./infra'), want);
  assert.is(configPathRealm('/home/me/infra').length, 16);
});

test('settings: ATMOS_AUTH_REALM > auth.realm > config path > "default"; ATMOS_KEYRING_TYPE > auth.keyring.type > system', () => {
  const cfg = { auth: { realm: 'yaml-realm', keyring: { type: 'file' } } };
  assert.equal(keyringSettings(cfg, '/r', { ATMOS_AUTH_REALM: 'env-realm', ATMOS_KEYRING_TYPE: 'memory' }), { type: 'memory', typeSource: 'ATMOS_KEYRING_TYPE', realm: 'env-realm', realmSource: 'ATMOS_AUTH_REALM' });
  assert.equal(keyringSettings(cfg, '/r', {}), { type: 'file', typeSource: 'auth.keyring.type', realm: 'yaml-realm', realmSource: 'auth.realm' });
  assert.equal(keyringSettings({}, '/r', {}), { type: 'system', typeSource: 'default', realm: configPathRealm('/r'), realmSource: 'config path' });
  assert.equal(keyringSettings(null, null, {}), { type: 'system', typeSource: 'default', realm: 'default', realmSource: 'default' });
  // An unknown type is used as system, as Atmos does (store.go:87-89), and reported.
  assert.equal(keyringSettings(null, null, { ATMOS_KEYRING_TYPE: 'kwallet' }).unknownType, 'kwallet');
  assert.is(keyringSettings(null, null, { ATMOS_KEYRING_TYPE: 'kwallet' }).type, 'system');
  assert.throws(() => keyringSettings({ auth: { realm: 'Bad' } }, '/r', {}), (e: unknown) => e instanceof ConfigError && /auth\.realm "Bad"/.test(e.message));
  assert.throws(() => keyringSettings({ auth: { realm: 7 } }, '/r', {}), (e: unknown) => e instanceof ConfigError && /not a string/.test(e.message));
  assert.throws(() => keyringSettings(null, null, { ATMOS_AUTH_REALM: 'a__b' }), (e: unknown) => e instanceof ConfigError && /ATMOS_AUTH_REALM/.test(e.message));
});

test('envelope: the bytes Go json.Marshal writes (struct field order, omitempty), and what is refused', () => {
  assert.is(
    encodeAwsEnvelope({ session_duration: '12h', mfa_arn: 'arn:aws:iam::1:mfa/u', secret_access_key: 's', access_key_id: 'AKIA' }),
    '{"type":"aws","data":{"access_key_id":"AKIA","secret_access_key":"s","mfa_arn":"arn:aws:iam::1:mfa/u","session_duration":"12h"}}',
  );
  assert.equal(decodeAwsEnvelope('{"type":"aws","data":{"access_key_id":"A","secret_access_key":"S","region":""}}'), { ok: true, credentials: { access_key_id: 'A', secret_access_key: 'S' } });
  assert.equal(decodeAwsEnvelope('{"type":"aws","data":{"access_key_id":null}}'), { ok: true, credentials: {} });
  assert.match(JSON.stringify(decodeAwsEnvelope('{"type":"gcp","data":{}}')), /type \\"gcp\\", not aws/);
  assert.match(JSON.stringify(decodeAwsEnvelope('{"type":"aws","data":{"access_key_id":1}}')), /access_key_id is not a string/);
  assert.match(JSON.stringify(decodeAwsEnvelope('{"type":"aws","data":[]}')), /data is not an object/);
  assert.match(JSON.stringify(decodeAwsEnvelope('nope')), /not JSON/);
});

test("file keyring: places (env > auth.keyring.spec > XDG), names percent-encoded as 99designs' filenameEscape", () => {
  const env = { HOME: '/h', XDG_DATA_HOME: '/x' };
  assert.equal(fileKeyringPlace(null, env), { dir: '/x/atmos/keyring', passwordEnv: 'ATMOS_KEYRING_PASSWORD' });
  assert.equal(fileKeyringPlace(null, { HOME: '/h' }), { dir: '/h/.local/share/atmos/keyring', passwordEnv: 'ATMOS_KEYRING_PASSWORD' });
  assert.equal(fileKeyringPlace(null, { ...env, ATMOS_XDG_DATA_HOME: '/a' }).dir, '/a/atmos/keyring');
  const cfg = { auth: { keyring: { spec: { path: '~/keys/ring.json', password_env: 'MY_PW' } } } };
  assert.equal(fileKeyringPlace(cfg, env), { dir: '/h/keys', passwordEnv: 'MY_PW' });
  assert.equal(fileKeyringPlace(cfg, { ...env, ATMOS_KEYRING_FILE_PATH: '/e/dir', ATMOS_KEYRING_PASSWORD_ENV: 'E_PW' }), { dir: '/e/dir', passwordEnv: 'E_PW' });
  assert.is(fileKeyringFile({ dir: '/d', passwordEnv: 'P' }, 'atmos_r_plat-dev/terraform%x'), '/d/atmos_r_plat-dev%2Fterraform%25x');
});

test('file keyring JWE: round trip, header as jose2go writes it, wrong password, tampering, p2c cap', () => {
  const token = jweEncrypt('{"Key":"k"}', 'password123', 'then');
  const parts = token.split('.');
  assert.is(parts.length, 5);
  const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString()) as Record<string, unknown>;
  assert.equal(Object.keys(header), ['alg', 'created', 'enc', 'p2c', 'p2s'], 'sorted keys, as Go marshals a map');
  assert.equal([header.alg, header.enc, header.p2c, Buffer.from(header.p2s as string, 'base64url').length], ['PBES2-HS256+A128KW', 'A256GCM', 8192, 12]);
  assert.is(jweDecrypt(token, 'password123', 'f'), '{"Key":"k"}');
  assert.throws(() => jweDecrypt(token, 'wrong-password', 'f'), /the password does not open/);
  const tampered = [...parts.slice(0, 3), Buffer.from('xxxxxxxxxxx').toString('base64url'), parts[4]].join('.');
  assert.throws(() => jweDecrypt(tampered, 'password123', 'f'), /integrity check/);
  const greedy = { ...header, p2c: 5_000_000 };
  assert.throws(() => jweDecrypt([Buffer.from(JSON.stringify(greedy)).toString('base64url'), ...parts.slice(1)].join('.'), 'password123', 'f'), /p2c out of range/);
  assert.throws(() => jweDecrypt('a.b.c', 'password123', 'f'), /5 parts/);
});

test.run();
