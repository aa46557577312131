/**
 * Atmos's credential keyring, as far as `aws/user` keys go: which backend (ATMOS_KEYRING_TYPE,
 * auth.keyring.type), which realm (ATMOS_AUTH_REALM, auth.realm), the item's name and the value's
 * encoding, all as Atmos 0a1cb44 does it, so that `atmos-auth user configure` and
 * `atmos auth user configure` fill the same keychain item and either tool reads the other's.
 * No network; the keychain itself is reached through keyring-secret-service.ts (by import()).
 */
import { createHash } from 'node:crypto';
import { resolve, sep } from 'node:path';
import { AtmosAuthError, ConfigError } from '../errors.ts';
import { getPath } from '../atmos/merge.ts';
import { isPlainMap, posOf, type YamlMap } from '../atmos/yaml.ts';

/**
 * The keychain "username" (go-keyring's user, Secret Service attribute `username`) of every
 * Atmos credential: pkg/auth/credentials/store.go:26 (KeyringUser), passed as the account by
 * keyring_backends.go:49 and pkg/keyring/system.go:36,47.
 */
export const KEYRING_ACCOUNT = 'atmos-auth';

/** No Secret Service could be reached (no session bus, nobody owning org.freedesktop.secrets, a stall). */
export class KeychainUnavailableError extends AtmosAuthError {}

/** The keychain answered but its collection is locked and may not be unlocked here. */
export class KeychainLockedError extends AtmosAuthError {}

/** The error of a process without a session bus (decided before any D-Bus code is loaded). */
export function noSessionBus(): KeychainUnavailableError {
  return new KeychainUnavailableError('no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set), so no Secret Service');
}

/** Backends Atmos knows (pkg/keyring/keyring.go:15-20; store.go:79-90 falls back to system for others). */
export type KeyringType = 'system' | 'file' | 'memory';

/** The keyring settings in force for one configuration. */
export interface KeyringSettings {
  type: KeyringType;
  /** Where `type` came from, for status and debug output. */
  typeSource: 'ATMOS_KEYRING_TYPE' | 'auth.keyring.type' | 'default';
  /** An unknown type as written (Atmos warns and uses system: store.go:87-89). */
  unknownType?: string;
  /** The realm (Atmos always has one when it loads a configuration: see keyringSettings). */
  realm: string;
  realmSource: 'ATMOS_AUTH_REALM' | 'auth.realm' | 'config path' | 'default';
}

/**
 * The realm Atmos derives from the directory of its atmos.yaml when neither ATMOS_AUTH_REALM nor
 * auth.realm sets one: the first 8 bytes of sha256 over the path cleaned, with forward slashes and
 * lower-cased, in hex (pkg/config/auth_realm.go:46-51 hashRealmFromPath).
 */
export function configPathRealm(cliConfigPath: string): string {
  // resolve() of an absolute path is filepath.Clean; ToSlash changes nothing where / separates.
  let p = resolve(cliConfigPath);
  if (sep === '\\') p = p.replaceAll('\\', '/');
  return createHash('sha256').update(p.toLowerCase()).digest('hex').slice(0, 16);
}

/**
 * The keychain "service" of an identity's credentials: `atmos_<realm>_<identity>`, or
 * `atmos_<identity>` with an empty realm (store.go:39-45 buildKeyringKey; Atmos itself always has
 * a realm once it loaded a configuration, see keyringSettings). The identity is lower-cased:
 * Atmos's identity names are the keys of auth.identities as Viper and fixAuthIdentities leave them
 * (pkg/config/load.go:2783-2785), which its manager passes on unchanged (pkg/auth/manager.go:683,
 * cmd/auth/user/configure.go:72); no other normalisation (a `/` in a name stays).
 */
export function keyringService(identity: string, realm: string): string {
  const alias = identity.toLowerCase();
  return realm ? `atmos_${realm}_${alias}` : `atmos_${alias}`;
}

/**
 * Atmos's realm rules (pkg/auth/realm/realm.go:97-147 Validate): lower-case letters, digits, `-`
 * and `_`; 1-64 characters; not starting or ending with `-`/`_`; no two of them in a row; no path
 * separators. The message is null when `v` is valid.
 */
export function realmProblem(v: string): string | null {
  if (v.length > 64) return `it has ${v.length} characters, at most 64 are allowed`;
  if (v.includes('/') || v.includes('\\') || v.includes('..')) return 'it contains a path separator or ..';
  if (!/^[a-z0-9_-]+$/.test(v)) return 'only lower-case letters, digits, - and _ are allowed';
  if (/^[-_]|[-_]$/.test(v)) return 'it starts or ends with - or _';
  if (/[-_]{2}/.test(v)) return 'it has two of - and _ in a row';
  return null;
}

/**
 * The settings of `config` (the merged atmos.yaml with profiles; null outside a repository),
 * whose atmos.yaml is in `cliConfigPath`, and the environment.
 * The realm as Atmos has it after loading its configuration (pkg/config/config.go:68 calls
 * setAuthRealm, auth_realm.go:20-44): ATMOS_AUTH_REALM, else auth.realm, else a hash of the
 * directory of atmos.yaml (configPathRealm), else "default"; then validated by realm.GetRealm
 * (pkg/auth/realm/realm.go:48-77), which `atmos auth user configure` (cmd/auth/user/configure.go:93)
 * and the auth manager (pkg/auth/manager.go:159) are given it through. So the key of Atmos's
 * own items is never the realm-less `atmos_<identity>` when Atmos found an atmos.yaml.
 * The keyring type: ATMOS_KEYRING_TYPE over auth.keyring.type, else system (store.go:115-126).
 */
export function keyringSettings(config: YamlMap | null, cliConfigPath: string | null, env: NodeJS.ProcessEnv = process.env): KeyringSettings {
  const auth = config ? getPath(config, 'auth') : undefined;
  const envRealm = env.ATMOS_AUTH_REALM ?? '';
  let realm: string;
  let realmSource: KeyringSettings['realmSource'];
  if (envRealm) {
    const p = realmProblem(envRealm);
    if (p) throw new ConfigError(`ATMOS_AUTH_REALM=${JSON.stringify(envRealm)} is not a valid realm: ${p}`, undefined, { hint: 'set it as Atmos accepts it (e.g. acme-prod), or unset it' });
    realm = envRealm;
    realmSource = 'ATMOS_AUTH_REALM';
  } else if (isPlainMap(auth) && auth.realm !== undefined && auth.realm !== null && auth.realm !== '') {
    const v = auth.realm;
    const p = typeof v === 'string' ? realmProblem(v) : 'it is not a string';
    if (p) throw new ConfigError(`auth.realm ${JSON.stringify(v)} is not a valid realm: ${p}`, posOf(auth, 'realm'), { hint: 'Atmos refuses it too: fix auth.realm (e.g. acme-prod)' });
    realm = v as string;
    realmSource = 'auth.realm';
  } else if (cliConfigPath) {
    realm = configPathRealm(cliConfigPath);
    realmSource = 'config path';
  } else {
    realm = 'default';
    realmSource = 'default';
  }
  const envType = env.ATMOS_KEYRING_TYPE ?? '';
  const cfgType = isPlainMap(auth) ? getPath(auth, 'keyring', 'type') : undefined;
  const raw = envType || (typeof cfgType === 'string' ? cfgType : '');
  const typeSource: KeyringSettings['typeSource'] = envType ? 'ATMOS_KEYRING_TYPE' : raw ? 'auth.keyring.type' : 'default';
  const known = raw === 'system' || raw === 'file' || raw === 'memory';
  return {
    type: known ? raw : 'system',
    typeSource,
    ...(raw && !known ? { unknownType: raw } : {}),
    realm,
    realmSource,
  };
}

/** The fields of Atmos's AWSCredentials (pkg/auth/types/aws_credentials.go:16-24), JSON names as there. */
export interface AtmosAwsCredentials {
  access_key_id?: string;
  secret_access_key?: string;
  session_token?: string;
  region?: string;
  expiration?: string;
  mfa_arn?: string;
  session_duration?: string;
}

const AWS_FIELDS = ['access_key_id', 'secret_access_key', 'session_token', 'region', 'expiration', 'mfa_arn', 'session_duration'] as const;

/**
 * The keychain value Atmos writes for AWS credentials: `{"type":"aws","data":{...}}`
 * (store.go:48-51 credentialEnvelope, keyring_store.go:28-36 and 134-139), the data fields in the
 * struct's order with empty ones left out (`omitempty`), as Go's encoding/json writes them.
 */
export function encodeAwsEnvelope(c: AtmosAwsCredentials): string {
  const data: Record<string, string> = {};
  for (const f of AWS_FIELDS) {
    const v = c[f];
    if (v) data[f] = v;
  }
  return JSON.stringify({ type: 'aws', data });
}

/** What a keychain value holds, read as Atmos reads it (keyring_store.go:54-58, 158-162). */
export type DecodedEnvelope = { ok: true; credentials: AtmosAwsCredentials } | { ok: false; why: string };

/** Decodes a keychain value; anything but an `aws` envelope with string fields is refused with the reason. */
export function decodeAwsEnvelope(text: string): DecodedEnvelope {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    return { ok: false, why: 'the value is not JSON' };
  }
  if (!isPlainMap(o)) return { ok: false, why: 'the value is not a JSON object' };
  if (o.type !== 'aws') return { ok: false, why: `it holds credentials of type ${JSON.stringify(o.type)}, not aws` };
  const data = o.data;
  if (!isPlainMap(data)) return { ok: false, why: 'its data is not an object' };
  const out: AtmosAwsCredentials = {};
  for (const f of AWS_FIELDS) {
    const v = data[f];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string') return { ok: false, why: `its ${f} is not a string` };
    if (v) out[f] = v;
  }
  return { ok: true, credentials: out };
}
