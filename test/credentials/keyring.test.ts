// aws/user keys in the OS keychain, where Atmos keeps them (issue 13 section 2), against a real
// Secret Service (gnome-keyring-daemon on a private dbus-daemon, test/helpers/secret-service.ts)
// and cross-checked with a second client, libsecret's secret-tool:
//   - `user configure` writes the item Atmos's go-keyring reads: attributes exactly
//     {service: atmos_<realm>_<identity>, username: atmos-auth} (the realm, unless set, derived
//     from the path of atmos.yaml as Atmos does), go-keyring's label, and a value that a reader
//     written from Atmos's Go structs parses;
//   - an item written the way Atmos writes it is read and used for GetSessionToken (emulator);
//   - realms (ATMOS_AUTH_REALM, auth.realm, an invalid one), ATMOS_KEYRING_TYPE memory, and file:
//     Atmos's encrypted file keyring, cross-checked with a second implementation in Python
//     (py/atmos_file_keyring.py, written from 99designs/keyring and jose2go);
//   - no Secret Service (no bus, a bus nobody answers on): the 0600 file store, within the
//     deadline; `status` and debug output say which store; a locked keychain is an error, not
//     "no keys", and never a prompt without a terminal (with one, the daemon's prompt is followed).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SUPERADMIN } from '../fake-aws/scenario.ts';
import { startFakeAws } from '../fake-aws/server.ts';
import { CLI, cli, parseExports, ROOT, sandbox } from '../e2e/helpers.ts';
import { missingKeychainTools, startBus, startSecretService, type SecretService } from '../helpers/secret-service.ts';

const missing = missingKeychainTools();
if (missing) {
  // Fail, loudly: a skipped keychain suite would pass CI without ever meeting a Secret Service.
  test('keychain tools are installed', () => {
    assert.unreachable(`the keychain tests need a real Secret Service: ${missing}`);
  });
  test.run();
} else {
  await suite();
}

/**
 * Atmos's reader, from its Go types: the envelope (pkg/auth/credentials/store.go:48-51
 * credentialEnvelope {Type `json:"type"`; Data json.RawMessage `json:"data"`}), the "aws" type tag
 * (keyring_store.go:136-138, 159-161), and AWSCredentials (pkg/auth/types/aws_credentials.go:16-24).
 * Go's encoding/json matches field names case-insensitively; we take the exact tags and check no
 * other key is present, so that a near miss (accessKeyId, AccessKeyID) fails here.
 */
interface GoAwsCredentials {
  AccessKeyID: string;
  SecretAccessKey: string;
  SessionToken: string;
  Region: string;
  Expiration: string;
  MfaArn: string;
  SessionDuration: string;
}
function atmosRead(value: string): GoAwsCredentials {
  const env = JSON.parse(value) as { type?: unknown; data?: unknown };
  assert.equal(Object.keys(env).sort(), ['data', 'type'], 'envelope keys');
  assert.is(env.type, 'aws');
  const d = env.data as Record<string, unknown>;
  const tags = { access_key_id: 'AccessKeyID', secret_access_key: 'SecretAccessKey', session_token: 'SessionToken', region: 'Region', expiration: 'Expiration', mfa_arn: 'MfaArn', session_duration: 'SessionDuration' } as const;
  const out: GoAwsCredentials = { AccessKeyID: '', SecretAccessKey: '', SessionToken: '', Region: '', Expiration: '', MfaArn: '', SessionDuration: '' };
  for (const [k, v] of Object.entries(d)) {
    const field = tags[k as keyof typeof tags];
    assert.ok(field, `unknown field ${k} in the data of the envelope`);
    assert.type(v, 'string');
    out[field] = v as string;
  }
  return out;
}

/** `text` as a regular expression matching it literally. */
const esc = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** secret-tool's view of every item with these attributes: label, secret and attributes. */
function itemsOf(ss: SecretService, attrs: Record<string, string>): { label: string; secret: string; attributes: Record<string, string> }[] {
  const r = ss.run('secret-tool', ['search', '--all', '--unlock', ...Object.entries(attrs).flat()]);
  const items: { label: string; secret: string; attributes: Record<string, string> }[] = [];
  // secret-tool prints the attributes and the label on stderr... and stdout, depending on version: read both.
  for (const block of `${r.stdout}\n${r.stderr}`.split(/^\[/m).slice(1)) {
    const item = { label: '', secret: '', attributes: {} as Record<string, string> };
    for (const line of block.split('\n')) {
      const m = /^(label|secret|attribute\.([^ ]+)) = (.*)$/.exec(line);
      if (!m) continue;
      if (m[1] === 'label') item.label = m[3]!;
      else if (m[1] === 'secret') item.secret = m[3]!;
      else item.attributes[m[2]!] = m[3]!;
    }
    items.push(item);
  }
  return items;
}

async function suite(): Promise<void> {
  const fake = await startFakeAws();
  const sb = sandbox(fake, { ATMOS_PROFILE: 'superadmin' });
  const ssDir = mkdtempSync(join(tmpdir(), 'atmos-auth-ss-'));
  const ss = await startSecretService(ssDir, sb.home);
  const withBus = { DBUS_SESSION_BUS_ADDRESS: ss.address, XDG_RUNTIME_DIR: ss.env.XDG_RUNTIME_DIR! };
  const usersDir = join(sb.home, '.local/share/atmos-auth/users');
  const keysInput = `${SUPERADMIN.accessKeyId}\n${SUPERADMIN.secretAccessKey}\n`;
  const forget = () => {
    rmSync(join(sb.home, '.cache/atmos-auth'), { recursive: true, force: true });
    rmSync(usersDir, { recursive: true, force: true });
    for (const service of [SVC, 'atmos_superadmin', 'atmos_acme-test_superadmin', 'atmos_acme-yaml_superadmin']) ss.run('secret-tool', ['clear', 'service', service, 'username', 'atmos-auth']);
  };
  const atmosYaml = join(sb.acme, 'atmos.yaml');
  // Atmos's realm when neither ATMOS_AUTH_REALM nor auth.realm is set: hex of the first 8 bytes
  // of sha256(lower-cased, cleaned path of the directory holding atmos.yaml), as in
  // pkg/config/auth_realm.go:46-51 (the sandbox's path has no symlink: the engine's root is it).
  const REALM = createHash('sha256').update(realpathSync(sb.acme).toLowerCase()).digest('hex').slice(0, 16);
  const SVC = `atmos_${REALM}_superadmin`;
  const atmosYamlText = readFileSync(atmosYaml, 'utf8');

  test.after(async () => {
    await ss.stop();
    await fake.close();
    sb.cleanup();
    rmSync(ssDir, { recursive: true, force: true });
  });

  test('user configure writes the keychain item Atmos reads; secret-tool finds it where go-keyring looks', async () => {
    forget();
    const r = await cli(sb, ['user', 'configure', 'superadmin'], { env: withBus, input: keysInput });
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(esc(`stored the keys of superadmin in the keychain (Secret Service item service=${SVC}, username=atmos-auth)`)));
    // go-keyring's Get: SearchItems {username, service} (keyring_unix.go:57-60) with Atmos's
    // (service=key, user=atmos-auth) (pkg/keyring/system.go:36; store.go:26).
    const value = ss.run('secret-tool', ['lookup', 'service', SVC, 'username', 'atmos-auth']);
    assert.is(value.code, 0, value.stderr);
    // Not the realm-less atmos_<identity>: Atmos always has a realm once it found its atmos.yaml.
    assert.is(ss.run('secret-tool', ['lookup', 'service', 'atmos_superadmin', 'username', 'atmos-auth']).code, 1);
    const c = atmosRead(value.stdout);
    assert.is(c.AccessKeyID, SUPERADMIN.accessKeyId);
    assert.is(c.SecretAccessKey, SUPERADMIN.secretAccessKey);
    assert.is(c.SessionToken, '', 'long-lived keys, no session token (user.go:275-282 refuses those)');
    const items = itemsOf(ss, { username: 'atmos-auth' });
    assert.is(items.length, 1);
    assert.equal(items[0]!.attributes, { service: SVC, username: 'atmos-auth' }, 'exactly the attributes go-keyring sets (keyring_unix.go:29-32)');
    assert.is(items[0]!.label, `Password for 'atmos-auth' on '${SVC}'`, 'go-keyring label (keyring_unix.go:43-45)');
    assert.not.ok(existsSync(usersDir) && readdirSync(usersDir).length, 'no file copy');
    assert.not.ok(r.stdout.includes(SUPERADMIN.secretAccessKey) || r.stderr.includes(SUPERADMIN.secretAccessKey));
    // In the login collection, as go-keyring's GetLoginCollection picks it (secret_service.go:96-103).
    const inLogin = ss.run('dbus-send', ['--session', '--print-reply', '--dest=org.freedesktop.secrets', '/org/freedesktop/secrets/collection/login', 'org.freedesktop.Secret.Collection.SearchItems', `dict:string:string:service,${SVC},username,atmos-auth`]);
    assert.match(inLogin.stdout, /object path "\/org\/freedesktop\/secrets\/collection\/login\/\d+"/);

    // Configuring again replaces the item (CreateItem with replace, secret_service.go:170-171): still one.
    const again = await cli(sb, ['user', 'configure', 'SuperAdmin'], { env: withBus, input: keysInput });
    assert.is(again.code, 0, again.stderr);
    assert.is(itemsOf(ss, { username: 'atmos-auth' }).length, 1, 'one item, the identity lower-cased as Atmos names it');
  });

  test('an item written the way Atmos writes it serves GetSessionToken; debug says the keychain, never the secret', async () => {
    forget();
    // What `atmos auth user configure` leaves (cmd/auth/user/configure.go:177-182, 114-115): keys,
    // MFA ARN, session duration; through go-keyring: label and attributes as above.
    const value = JSON.stringify({ type: 'aws', data: { access_key_id: SUPERADMIN.accessKeyId, secret_access_key: SUPERADMIN.secretAccessKey, mfa_arn: SUPERADMIN.mfaSerial, session_duration: '12h' } });
    const w = ss.run('secret-tool', ['store', `--label=Password for 'atmos-auth' on '${SVC}'`, 'service', SVC, 'username', 'atmos-auth'], value);
    assert.is(w.code, 0, w.stderr);
    fake.clearLog();
    const r = await cli(sb, ['export'], { cwd: sb.stackDir('core/root'), env: { ...withBus, ATMOS_LOGS_LEVEL: 'debug' }, input: `${SUPERADMIN.mfaCode}\n` });
    assert.is(r.code, 0, r.stderr);
    assert.is(parseExports(r.stdout).ATMOS_AUTH_IDENTITY, 'core-root/terraform');
    assert.is(fake.count('GetSessionToken'), 1);
    assert.match(r.stderr, new RegExp(esc(`user keys of superadmin from the keychain (Secret Service item service=${SVC}, username=atmos-auth); keyring type system (default), realm ${REALM} (from the path of atmos.yaml, as Atmos derives it)`)));
    assert.not.ok(r.stderr.includes(SUPERADMIN.secretAccessKey), 'no secret in debug output');
    // The keychain item is left as Atmos wrote it.
    assert.is(ss.run('secret-tool', ['lookup', 'service', SVC, 'username', 'atmos-auth']).stdout, value);
  });

  test("the MFA device stored beside the keys by Atmos's configure is used when the YAML has none", async () => {
    forget();
    const profile = join(sb.acme, 'profiles/superadmin/atmos.yaml');
    const original = readFileSync(profile, 'utf8');
    writeFileSync(profile, original.replace(/^ +mfa_arn: .*\n/m, ''));
    // The MFA device is pinned by `allow` (SECURITY.md): the edited repository needs a new one.
    const allow = () => cli(sb, ['allow', sb.acme]);
    assert.is((await allow()).code, 0);
    try {
      const value = JSON.stringify({ type: 'aws', data: { access_key_id: SUPERADMIN.accessKeyId, secret_access_key: SUPERADMIN.secretAccessKey, mfa_arn: SUPERADMIN.mfaSerial } });
      assert.is(ss.run('secret-tool', ['store', '--label=x', 'service', SVC, 'username', 'atmos-auth'], value).code, 0);
      fake.clearLog();
      const never = await cli(sb, ['export', '--no-login'], { cwd: sb.stackDir('core/root'), env: withBus });
      assert.is(never.code, 1);
      assert.match(never.stderr, new RegExp(`MFA code \\(${SUPERADMIN.mfaSerial!.replaceAll('/', '\\/')}\\)`));
      const r = await cli(sb, ['export'], { cwd: sb.stackDir('core/root'), env: withBus, input: `${SUPERADMIN.mfaCode}\n` });
      assert.is(r.code, 0, r.stderr);
      assert.is(fake.count('GetSessionToken'), 1);
    } finally {
      writeFileSync(profile, original);
      assert.is((await allow()).code, 0);
    }
  });

  test('realm: ATMOS_AUTH_REALM and auth.realm name the item atmos_<realm>_<identity>; an invalid realm is refused', async () => {
    forget();
    const byEnv = await cli(sb, ['user', 'configure', 'superadmin'], { env: { ...withBus, ATMOS_AUTH_REALM: 'acme-test' }, input: keysInput });
    assert.is(byEnv.code, 0, byEnv.stderr);
    assert.match(byEnv.stderr, /realm acme-test \(from ATMOS_AUTH_REALM\)/);
    assert.equal(itemsOf(ss, { username: 'atmos-auth' }).map((i) => i.attributes.service), ['atmos_acme-test_superadmin']);
    assert.is(atmosRead(ss.run('secret-tool', ['lookup', 'service', 'atmos_acme-test_superadmin', 'username', 'atmos-auth']).stdout).AccessKeyID, SUPERADMIN.accessKeyId);
    // Without the realm, that item is not the one looked up: no keys.
    const none = await cli(sb, ['export'], { cwd: sb.stackDir('core/root'), env: withBus, input: `${SUPERADMIN.mfaCode}\n` });
    assert.is(none.code, 1);
    assert.match(none.stderr, /atmos-auth user configure superadmin/);
    const withRealm = await cli(sb, ['export'], { cwd: sb.stackDir('core/root'), env: { ...withBus, ATMOS_AUTH_REALM: 'acme-test' }, input: `${SUPERADMIN.mfaCode}\n` });
    assert.is(withRealm.code, 0, withRealm.stderr);

    writeFileSync(atmosYaml, atmosYamlText.replace(/^auth:\n/m, 'auth:\n  realm: acme-yaml\n'));
    try {
      const byYaml = await cli(sb, ['user', 'configure', 'superadmin'], { env: withBus, input: keysInput });
      assert.is(byYaml.code, 0, byYaml.stderr);
      assert.match(byYaml.stderr, /realm acme-yaml \(from auth\.realm\)/);
      assert.is(ss.run('secret-tool', ['lookup', 'service', 'atmos_acme-yaml_superadmin', 'username', 'atmos-auth']).code, 0);
      // The environment wins over the YAML (realm.go:51-60).
      const st = await cli(sb, ['status', '--json'], { env: { ...withBus, ATMOS_AUTH_REALM: 'acme-test' } });
      assert.is((JSON.parse(st.stdout) as { userKeys: { realm: string } }).userKeys.realm, 'acme-test');

      writeFileSync(atmosYaml, atmosYamlText.replace(/^auth:\n/m, 'auth:\n  realm: Acme_Prod\n'));
      const bad = await cli(sb, ['user', 'configure', 'superadmin'], { env: withBus, input: keysInput });
      assert.is(bad.code, 1);
      assert.match(bad.stderr, /auth\.realm "Acme_Prod" is not a valid realm: only lower-case letters/);
      assert.is(itemsOf(ss, { service: 'atmos_Acme_Prod_superadmin' }).length, 0);
    } finally {
      writeFileSync(atmosYaml, atmosYamlText);
    }
    const badEnv = await cli(sb, ['user', 'configure', 'superadmin'], { env: { ...withBus, ATMOS_AUTH_REALM: 'a--b' }, input: keysInput });
    assert.is(badEnv.code, 1);
    assert.match(badEnv.stderr, /ATMOS_AUTH_REALM="a--b" is not a valid realm/);
  });

  test("a repository reached through a symlink: the realm of the symlinked path, as Atmos's os.Getwd() sees it", async () => {
    forget();
    const link = join(sb.dir, 'linked-acme');
    symlinkSync(sb.acme, link);
    try {
      const cwd = join(link, 'stacks/orgs/acme/plat/dev');
      const r = await cli(sb, ['user', 'configure', 'superadmin'], { cwd, env: { ...withBus, PWD: cwd }, input: keysInput });
      assert.is(r.code, 0, r.stderr);
      const linked = `atmos_${createHash('sha256').update(link.toLowerCase()).digest('hex').slice(0, 16)}_superadmin`;
      assert.is.not(linked, SVC);
      assert.equal(itemsOf(ss, { username: 'atmos-auth' }).map((i) => i.attributes.service), [linked]);
      ss.run('secret-tool', ['clear', 'service', linked, 'username', 'atmos-auth']);
    } finally {
      rmSync(link, { force: true });
    }
  });

  test('status says which store: the keychain with a Secret Service, the file store without', async () => {
    const st = await cli(sb, ['status'], { env: withBus });
    assert.is(st.code, 0, st.stderr);
    assert.match(st.stdout, new RegExp(`^${esc(`IAM user keys: keychain (Secret Service, collection /org/freedesktop/secrets/collection/login; items atmos_${REALM}_<identity>, username atmos-auth; keyring type system (default), realm ${REALM} (from the path of atmos.yaml, as Atmos derives it))`)}$`, 'm'));
    const off = await cli(sb, ['status', '--json'], { env: { DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(ssDir, 'no-such-bus')}` } });
    assert.is(off.code, 0, off.stderr);
    const j = JSON.parse(off.stdout) as { userKeys: { store: string; detail: string } };
    assert.is(j.userKeys.store, 'file');
    assert.match(j.userKeys.detail, /no keychain reachable/);
    const noBus = await cli(sb, ['status'], {});
    assert.match(noBus.stdout, /^IAM user keys: file store .*users \(0600 files\): no keychain reachable \(no D-Bus session bus/m);
  });

  test('no Secret Service reachable: the 0600 file store, and the keys are used from there', async () => {
    forget();
    const r = await cli(sb, ['user', 'configure', 'superadmin'], { env: { DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(ssDir, 'no-such-bus')}` }, input: keysInput });
    assert.is(r.code, 0, r.stderr);
    const file = /in (\S+)$/m.exec(r.stdout)?.[1] ?? '';
    assert.ok(file.startsWith(usersDir), r.stdout);
    assert.match(r.stderr, /mode 0600; no keychain reachable/);
    assert.is(itemsOf(ss, { username: 'atmos-auth' }).length, 0);
    fake.clearLog();
    const used = await cli(sb, ['export'], { cwd: sb.stackDir('core/root'), env: { ATMOS_LOGS_LEVEL: 'debug' }, input: `${SUPERADMIN.mfaCode}\n` });
    assert.is(used.code, 0, used.stderr);
    assert.match(used.stderr, /keychain unavailable \(no D-Bus session bus.*\): using the file store/);
    assert.match(used.stderr, /user keys of superadmin from the file store/);
    assert.is(fake.count('GetSessionToken'), 1);
    // Once a keychain is there, configure moves the keys into it (one place).
    const moved = await cli(sb, ['user', 'configure', 'superadmin'], { env: withBus, input: keysInput });
    assert.is(moved.code, 0, moved.stderr);
    assert.not.ok(existsSync(file));
    assert.is(itemsOf(ss, { service: SVC }).length, 1);
  });

  test('a session bus without a Secret Service (ServiceUnknown): the file store', async () => {
    forget();
    const bare = await startBus(mkdtempSync(join(ssDir, 'bare-')));
    try {
      const r = await cli(sb, ['user', 'configure', 'superadmin'], { env: { DBUS_SESSION_BUS_ADDRESS: bare.address }, input: keysInput });
      assert.is(r.code, 0, r.stderr);
      assert.ok(/in (\S+)$/m.exec(r.stdout)?.[1]?.startsWith(usersDir), r.stdout);
      assert.match(r.stderr, /no keychain reachable: the Secret Service is not reachable: org\.freedesktop\.DBus\.Error\.ServiceUnknown/);
    } finally {
      await bare.stop();
    }
  });

  test('a bus that never answers costs the deadline, then the file store; nothing is left waiting', async () => {
    forget();
    const socket = join(ssDir, 'stalled');
    const held: Socket[] = [];
    const server = createServer((s) => void held.push(s));
    await new Promise<void>((r) => server.listen(socket, r));
    try {
      const r = await cli(sb, ['user', 'configure', 'superadmin'], { env: { DBUS_SESSION_BUS_ADDRESS: `unix:path=${socket}`, ATMOS_AUTH_KEYRING_TIMEOUT_MS: '300' }, input: keysInput });
      assert.is(r.signal, null, 'finished by itself');
      assert.is(r.code, 0, r.stderr);
      assert.match(r.stderr, /no keychain reachable: the Secret Service did not answer within 300 ms/);
      assert.ok(readdirSync(usersDir).length === 1);
      assert.ok(held.length >= 1, 'it did connect');
    } finally {
      for (const s of held) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  const py = fileURLToPath(new URL('./py/atmos_file_keyring.py', import.meta.url));
  const hasCryptography = spawnSync('python3', ['-c', 'import cryptography'], { stdio: 'ignore' }).status === 0;
  const atmosKeyringDir = join(sb.home, '.local/share/atmos/keyring');
  const password = 'correct horse battery';

  test('ATMOS_KEYRING_TYPE=file: Atmos\'s encrypted file keyring, read and written as Atmos does; keychain untouched', async () => {
    assert.ok(hasCryptography, 'the file keyring cross-check needs python3 with cryptography: apt-get install python3-cryptography');
    forget();
    rmSync(atmosKeyringDir, { recursive: true, force: true });
    const fileEnv = { ...withBus, ATMOS_KEYRING_TYPE: 'file', ATMOS_KEYRING_PASSWORD: password };
    const noPw = await cli(sb, ['user', 'configure', 'superadmin'], { env: { ...fileEnv, ATMOS_KEYRING_PASSWORD: '' }, input: keysInput });
    assert.is(noPw.code, 1);
    assert.match(noPw.stderr, /the Atmos file keyring .*atmos\/keyring needs its password/);
    assert.match(noPw.stderr, /set ATMOS_KEYRING_PASSWORD/);
    const r = await cli(sb, ['user', 'configure', 'superadmin'], { env: fileEnv, input: keysInput });
    assert.is(r.code, 0, r.stderr);
    const file = join(atmosKeyringDir, SVC);
    assert.match(r.stdout, new RegExp(`in Atmos's file keyring ${file.replaceAll('/', '\\/')} `));
    assert.is(statSync(file).mode & 0o777, 0o600);
    assert.is(statSync(atmosKeyringDir).mode & 0o777, 0o700);
    assert.not.ok(readFileSync(file, 'utf8').includes(SUPERADMIN.accessKeyId), 'encrypted');
    // The second implementation (from 99designs/keyring and jose2go) opens it.
    const dec = spawnSync('python3', [py, 'decrypt', file], { env: { ...process.env, PW: password }, encoding: 'utf8' });
    assert.is(dec.status, 0, dec.stderr);
    const opened = JSON.parse(dec.stdout) as { key: string; data: string; header: string[] };
    assert.is(opened.key, SVC);
    assert.equal(opened.header, ['alg', 'created', 'enc', 'p2c', 'p2s']);
    assert.is(atmosRead(opened.data).AccessKeyID, SUPERADMIN.accessKeyId);
    assert.is(itemsOf(ss, { username: 'atmos-auth' }).length, 0, 'keychain untouched');
    assert.not.ok(existsSync(usersDir) && readdirSync(usersDir).length, 'no file-store copy');
    const wrong = await cli(sb, ['export'], { cwd: sb.stackDir('core/root'), env: { ...fileEnv, ATMOS_KEYRING_PASSWORD: 'not the password' }, input: `${SUPERADMIN.mfaCode}\n` });
    assert.is(wrong.code, 1);
    assert.match(wrong.stderr, /the password does not open this Atmos file keyring entry/);

    // An entry written the way Atmos writes it (by the second implementation) serves GetSessionToken.
    rmSync(atmosKeyringDir, { recursive: true, force: true });
    const value = JSON.stringify({ type: 'aws', data: { access_key_id: SUPERADMIN.accessKeyId, secret_access_key: SUPERADMIN.secretAccessKey, mfa_arn: SUPERADMIN.mfaSerial } });
    const enc = spawnSync('python3', [py, 'encrypt', file, SVC], { env: { ...process.env, PW: password }, input: value, encoding: 'utf8' });
    assert.is(enc.status, 0, enc.stderr);
    fake.clearLog();
    const used = await cli(sb, ['export'], { cwd: sb.stackDir('core/root'), env: { ...fileEnv, ATMOS_LOGS_LEVEL: 'debug' }, input: `${SUPERADMIN.mfaCode}\n` });
    assert.is(used.code, 0, used.stderr);
    assert.is(fake.count('GetSessionToken'), 1);
    assert.match(used.stderr, new RegExp(`user keys of superadmin from Atmos's file keyring .*${SVC}`));
    assert.not.ok(used.stderr.includes(password) || used.stderr.includes(SUPERADMIN.secretAccessKey));
    const st = await cli(sb, ['status'], { env: fileEnv });
    assert.match(st.stdout, new RegExp(`^IAM user keys: Atmos's file keyring .*atmos/keyring ${esc(`(encrypted with the password in ATMOS_KEYRING_PASSWORD; keyring type file (ATMOS_KEYRING_TYPE), realm ${REALM} (from the path of atmos.yaml, as Atmos derives it))`)}$`, 'm'));
  });

  test('ATMOS_KEYRING_TYPE=memory: nothing stored, said so', async () => {
    forget();
    const mem = await cli(sb, ['user', 'configure', 'superadmin'], { env: { ...withBus, ATMOS_KEYRING_TYPE: 'memory' }, input: keysInput });
    assert.is(mem.code, 1);
    assert.match(mem.stderr, /keyring type memory \(ATMOS_KEYRING_TYPE\) keeps nothing beyond one process/);
    assert.is(itemsOf(ss, { username: 'atmos-auth' }).length, 0);
    assert.not.ok(existsSync(usersDir) && readdirSync(usersDir).length);
    const st = await cli(sb, ['status'], { env: { ...withBus, ATMOS_KEYRING_TYPE: 'memory' } });
    assert.match(st.stdout, /^IAM user keys: none: keyring type memory/m);
  });

  test('auth.keyring.type and auth.keyring.spec in atmos.yaml count too (the environment wins)', async () => {
    forget();
    const dir = join(sb.home, 'atmos-keys');
    writeFileSync(atmosYaml, atmosYamlText.replace(/^auth:\n/m, `auth:\n  keyring:\n    type: file\n    spec:\n      path: ${dir}/keyring.json\n      password_env: ACME_KEYRING_PW\n`));
    try {
      const r = await cli(sb, ['user', 'configure', 'superadmin'], { env: { ...withBus, ACME_KEYRING_PW: password }, input: keysInput });
      assert.is(r.code, 0, r.stderr);
      assert.match(r.stderr, /keyring type file \(auth\.keyring\.type\)/);
      // A path with an extension means its directory (Atmos keyring_backends.go:89-93).
      assert.ok(existsSync(join(dir, SVC)));
      assert.is(itemsOf(ss, { username: 'atmos-auth' }).length, 0);
      const env = await cli(sb, ['user', 'configure', 'superadmin'], { env: { ...withBus, ATMOS_KEYRING_TYPE: 'system' }, input: keysInput });
      assert.is(env.code, 0, env.stderr);
      assert.is(itemsOf(ss, { service: SVC }).length, 1);
    } finally {
      writeFileSync(atmosYaml, atmosYamlText);
    }
  });

  test('a keychain item that is not an IAM user key pair is an error that says what to do, not a fallback', async () => {
    forget();
    const session = JSON.stringify({ type: 'aws', data: { access_key_id: 'ASIAEXAMPLE', secret_access_key: 's', session_token: 't' } });
    assert.is(ss.run('secret-tool', ['store', '--label=x', 'service', SVC, 'username', 'atmos-auth'], session).code, 0);
    const r = await cli(sb, ['export'], { cwd: sb.stackDir('core/root'), env: withBus, input: `${SUPERADMIN.mfaCode}\n` });
    assert.is(r.code, 1);
    assert.is(r.stdout, '');
    assert.match(r.stderr, new RegExp(esc(`the keychain (Secret Service item service=${SVC}, username=atmos-auth) holds session credentials, not the IAM user keys of superadmin`)));
    assert.match(r.stderr, /atmos-auth user configure superadmin/);
    assert.is(ss.run('secret-tool', ['store', '--label=x', 'service', SVC, 'username', 'atmos-auth'], 'not json').code, 0);
    const bad = await cli(sb, ['export'], { cwd: sb.stackDir('core/root'), env: withBus, input: `${SUPERADMIN.mfaCode}\n` });
    assert.is(bad.code, 1);
    assert.match(bad.stderr, /, the keys of superadmin, is not usable: the value is not JSON/);
  });

  test('the keychain library stays off the warm path: dist/hot.js and dist/engine.js hold no D-Bus code', () => {
    for (const f of ['dist/hot.js', 'dist/engine.js']) {
      const text = readFileSync(join(ROOT, f), 'utf8');
      assert.not.ok(text.includes('org.freedesktop.secrets') || text.includes('dbus-next'), f);
    }
  });

  // Last: it locks the login collection, which without a prompter cannot be unlocked again.
  test('a locked keychain without a terminal: an error naming the lock, no prompt, no stall, no fallback', async () => {
    forget();
    assert.is(ss.run('secret-tool', ['store', '--label=x', 'service', SVC, 'username', 'atmos-auth'], JSON.stringify({ type: 'aws', data: { access_key_id: SUPERADMIN.accessKeyId, secret_access_key: SUPERADMIN.secretAccessKey } })).code, 0);
    const lock = ss.run('dbus-send', ['--session', '--print-reply', '--dest=org.freedesktop.secrets', '/org/freedesktop/secrets', 'org.freedesktop.Secret.Service.Lock', 'array:objpath:/org/freedesktop/secrets/collection/login']);
    assert.is(lock.code, 0, lock.stderr);
    const r = await cli(sb, ['export'], { cwd: sb.stackDir('core/root'), env: withBus, input: `${SUPERADMIN.mfaCode}\n` });
    assert.is(r.signal, null);
    assert.is(r.code, 1);
    assert.is(r.stdout, '');
    assert.match(r.stderr, /the keychain \(Secret Service login collection\) is locked/);
    const w = await cli(sb, ['user', 'configure', 'superadmin'], { env: withBus, input: keysInput });
    assert.is(w.code, 1);
    assert.match(w.stderr, /is locked/);
    assert.not.ok(existsSync(usersDir) && readdirSync(usersDir).length, 'a locked keychain is not a reason to write the keys elsewhere');

    // With a terminal (util-linux `script` gives the run a pty), the daemon's unlock prompt is
    // started; this daemon has no prompter (no display, no activation), so it comes back
    // dismissed: an error saying so, not a wait.
    const q = (v: string) => `'${v.replaceAll("'", "'\\''")}'`;
    const tty = spawnSync('script', ['-qec', `${q(process.execPath)} ${q(CLI)} export --no-login`, '/dev/null'], {
      cwd: sb.stackDir('core/root'),
      env: { ...sb.env, ...withBus },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.is(tty.signal, null);
    assert.match(tty.stdout, /the keychain unlock prompt was dismissed/);
  });

  test.run();
}
