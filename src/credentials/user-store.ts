/**
 * Long-term IAM user keys (identity kind aws/user), entered once with `atmos-auth user configure`
 * and kept on this machine only, never read from the repository. Where Atmos keeps them: the OS
 * keychain (Secret Service), as the item Atmos's own `atmos auth user configure` writes and its
 * aws/user identity reads (keyring.ts has the naming, keyring-secret-service.ts the protocol), so
 * one `configure` serves both tools. Where no keychain is reachable (a container, an SSH session
 * without a Secret Service) or Atmos's keyring type is `file`, atmos-auth's own store: one file
 * per identity, mode 0600 in a 0700 dir under the data dir. Which one is used is in debug output
 * and `atmos-auth status`.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { AtmosAuthError } from '../errors.ts';
import { debug } from '../log.ts';
import { paths } from '../paths.ts';
import { readPrivateFile, removePrivateFile, writePrivateFile } from '../util/secure-file.ts';
import { isTerminal } from '../util/stdio.ts';
import { decodeAwsEnvelope, encodeAwsEnvelope, KEYRING_ACCOUNT, keyringService, keyringSettings, type KeyringSettings } from './keyring.ts';

/** An IAM user's access key pair, and what Atmos keeps beside it in the keychain item. */
export interface UserKeys {
  accessKeyId: string;
  secretAccessKey: string;
  /** MFA device from the keychain item (Atmos's configure asks for it); the YAML's wins. */
  mfaArn?: string;
  /** Atmos's session_duration as written there ("12h", "3600"); kept when the keys are replaced. */
  sessionDuration?: string;
}

/**
 * Which Atmos configuration the keys belong to: its realm and keyring type come from there.
 * A Resolution fits. Without one (or with root null) only the environment counts.
 */
export interface KeyScope {
  root: string | null;
  profiles: string[];
}

/** Where writeUserKeys put the keys: `where` in words (a file's path alone), `note` why there. */
export interface StoredAt {
  store: 'keychain' | 'file';
  where: string;
  note?: string;
}

/** Where keys are (or would be) stored, for messages, debug output and `status`. */
export interface StoreInfo {
  store: 'keychain' | 'file' | 'none';
  /** One line saying where and why. */
  detail: string;
  settings: KeyringSettings;
}

/** File holding the keys of `identity` in atmos-auth's own store (names match case-insensitively, as in Atmos). */
export function userKeysPath(identity: string): string {
  const h = createHash('sha256').update(identity.toLowerCase()).digest('hex').slice(0, 32);
  return join(paths.data, 'users', `${h}.json`);
}

/** Milliseconds a keychain operation may take before atmos-auth gives up on it (ATMOS_AUTH_KEYRING_TIMEOUT_MS). */
function keychainTimeoutMs(): number {
  const v = Number(process.env.ATMOS_AUTH_KEYRING_TIMEOUT_MS);
  return Number.isFinite(v) && v > 0 ? v : 3000;
}

/** Keychain options: an unlock prompt only with a person at the terminal (stdin and stderr). */
function keychainOptions(): { timeoutMs: number; allowPrompt: boolean; promptMs: number } {
  return { timeoutMs: keychainTimeoutMs(), allowPrompt: isTerminal(0) && isTerminal(2), promptMs: 120_000 };
}

/** The keyring settings of `scope`'s configuration (the merged atmos.yaml with its profiles). */
async function settingsOf(scope: KeyScope | undefined): Promise<KeyringSettings> {
  if (!scope?.root) return keyringSettings(null);
  const { Reader } = await import('../atmos/reader.ts');
  const { discoverConfig } = await import('../atmos/config.ts');
  const { applyProfiles } = await import('../atmos/profiles.ts');
  const reader = new Reader(scope.root, process.env);
  const base = discoverConfig(reader);
  const root = base.root ?? scope.root;
  const { config } = applyProfiles(reader, base.config, root, scope.profiles.length ? scope.profiles.join(',') : undefined);
  return keyringSettings(config);
}

function describeItem(service: string): string {
  return `the keychain (Secret Service item service=${service}, username=${KEYRING_ACCOUNT})`;
}

function settingsNote(s: KeyringSettings): string {
  const realm = s.realm ? `realm ${s.realm} from ${s.realmSource}` : 'no realm';
  const type = s.unknownType ? `unknown keyring type ${JSON.stringify(s.unknownType)} (${s.typeSource}), used as system, as Atmos does` : `keyring type ${s.type} (${s.typeSource})`;
  return `${type}, ${realm}`;
}

function readFileStore(identity: string): UserKeys | null {
  const text = readPrivateFile(userKeysPath(identity));
  if (text === null) return null;
  try {
    const o = JSON.parse(text) as Record<string, unknown>;
    if (typeof o.accessKeyId === 'string' && typeof o.secretAccessKey === 'string' && o.accessKeyId && o.secretAccessKey) {
      return { accessKeyId: o.accessKeyId, secretAccessKey: o.secretAccessKey };
    }
  } catch {
    // fall through: treated as absent
  }
  debug(`user keys of ${identity}: file is corrupted; run atmos-auth user configure ${identity}`);
  return null;
}

/**
 * The stored keys of `identity`, or null when none (or unusable: see debug output). The keychain
 * item first; atmos-auth's file store when the keychain has none or cannot be reached. A locked
 * keychain or an unreadable item is an error, not "no keys": as in Atmos
 * (pkg/auth/identities/aws/user.go:345-367), a read failure must not pass for missing keys.
 */
export async function readUserKeys(identity: string, scope?: KeyScope): Promise<UserKeys | null> {
  const s = await settingsOf(scope);
  if (s.type === 'memory') {
    // Atmos's memory keyring lives and dies with one atmos process (pkg/keyring/memory.go): nothing to share.
    debug(`user keys of ${identity}: keyring type memory (${s.typeSource}) keeps nothing between processes: none stored`);
    return null;
  }
  if (s.type === 'system') {
    const service = keyringService(identity, s.realm);
    const ss = await import('./keyring-secret-service.ts');
    try {
      const value = await ss.secretServiceGet(service, KEYRING_ACCOUNT, keychainOptions());
      if (value !== null) {
        const d = decodeAwsEnvelope(value);
        if (!d.ok) {
          throw new AtmosAuthError(`the keychain item of ${identity} (service ${service}) is not usable: ${d.why}`, { hint: `run: atmos-auth user configure ${identity}` });
        }
        const c = d.credentials;
        if (c.session_token) {
          // Atmos refuses it too (user.go:275-282): session keys cannot mint sessions.
          throw new AtmosAuthError(`the keychain item of ${identity} (service ${service}) holds session credentials, not an IAM user's keys`, { hint: `run: atmos-auth user configure ${identity}` });
        }
        if (!c.access_key_id || !c.secret_access_key) {
          throw new AtmosAuthError(`the keychain item of ${identity} (service ${service}) lacks the access key or the secret (user.go:364-367)`, { hint: `run: atmos-auth user configure ${identity}` });
        }
        debug(`user keys of ${identity} from ${describeItem(service)}; ${settingsNote(s)}`);
        return {
          accessKeyId: c.access_key_id,
          secretAccessKey: c.secret_access_key,
          ...(c.mfa_arn ? { mfaArn: c.mfa_arn } : {}),
          ...(c.session_duration ? { sessionDuration: c.session_duration } : {}),
        };
      }
      debug(`user keys of ${identity}: no item service=${service} in the keychain; trying the file store (${userKeysPath(identity)})`);
    } catch (err) {
      if (!(err instanceof ss.KeychainUnavailableError)) throw err;
      debug(`user keys of ${identity}: keychain unavailable (${err.message}): using the file store (${userKeysPath(identity)})`);
    }
  } else {
    // Atmos's `file` type is 99designs/keyring's password-encrypted file backend (pkg/keyring/file.go:61-71).
    debug(`user keys of ${identity}: ${settingsNote(s)}: Atmos's encrypted file keyring is not read by atmos-auth; using its own file store (${userKeysPath(identity)})`);
  }
  const keys = readFileStore(identity);
  if (keys) debug(`user keys of ${identity} from the file store ${userKeysPath(identity)}`);
  return keys;
}

/**
 * Stores the keys of `identity`: in the keychain when one is reachable (and then the file copy,
 * if any, is removed: one place), else in the file store (atomically, 0600). The item keeps the
 * mfa_arn and session_duration an earlier Atmos configure put there. Returns where.
 */
export async function writeUserKeys(identity: string, keys: UserKeys, scope?: KeyScope): Promise<StoredAt> {
  const s = await settingsOf(scope);
  if (s.type === 'memory') {
    throw new AtmosAuthError(`keyring type memory (${s.typeSource}) keeps nothing beyond one process: there is nowhere to store the keys of ${identity}`, {
      hint: s.typeSource === 'ATMOS_KEYRING_TYPE' ? 'unset ATMOS_KEYRING_TYPE (or set it to system) and run the command again' : 'set auth.keyring.type to system in atmos.yaml, or ATMOS_KEYRING_TYPE=system',
    });
  }
  if (s.type === 'system') {
    const service = keyringService(identity, s.realm);
    const ss = await import('./keyring-secret-service.ts');
    const opts = keychainOptions();
    try {
      const old = await ss.secretServiceGet(service, KEYRING_ACCOUNT, opts);
      const d = old === null ? null : decodeAwsEnvelope(old);
      const previous = d?.ok ? d.credentials : {};
      const mfa = keys.mfaArn ?? previous.mfa_arn;
      const duration = keys.sessionDuration ?? previous.session_duration;
      const value = encodeAwsEnvelope({
        access_key_id: keys.accessKeyId,
        secret_access_key: keys.secretAccessKey,
        ...(mfa ? { mfa_arn: mfa } : {}),
        ...(duration ? { session_duration: duration } : {}),
      });
      await ss.secretServiceSet(service, KEYRING_ACCOUNT, value, opts);
      if (removePrivateFile(userKeysPath(identity))) debug(`user keys of ${identity}: removed the older copy in the file store`);
      debug(`stored the keys of ${identity} in ${describeItem(service)}; ${settingsNote(s)}`);
      return { store: 'keychain', where: describeItem(service), note: settingsNote(s) };
    } catch (err) {
      if (!(err instanceof ss.KeychainUnavailableError)) throw err;
      debug(`keys of ${identity}: keychain unavailable (${err.message}): using the file store`);
      const file = userKeysPath(identity);
      await writePrivateFile(file, `${JSON.stringify({ identity, accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey })}\n`);
      return { store: 'file', where: file, note: `mode 0600; no keychain reachable: ${err.message}` };
    }
  }
  const file = userKeysPath(identity);
  await writePrivateFile(file, `${JSON.stringify({ identity, accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey })}\n`);
  debug(`stored the keys of ${identity} in the file store ${file}; ${settingsNote(s)}: Atmos's encrypted file keyring is not written by atmos-auth`);
  return { store: 'file', where: file, note: `mode 0600; ${settingsNote(s)}: atmos-auth's own file store, not Atmos's encrypted file keyring` };
}

/** Deletes the keys of `identity` from the keychain (when reachable) and the file store; true when there were some. */
export async function removeUserKeys(identity: string, scope?: KeyScope): Promise<boolean> {
  const s = await settingsOf(scope);
  let removed = false;
  if (s.type === 'system') {
    const ss = await import('./keyring-secret-service.ts');
    try {
      removed = await ss.secretServiceDelete(keyringService(identity, s.realm), KEYRING_ACCOUNT, keychainOptions());
    } catch (err) {
      if (!(err instanceof ss.KeychainUnavailableError)) throw err;
      debug(`keys of ${identity}: keychain unavailable (${err.message})`);
    }
  }
  return removePrivateFile(userKeysPath(identity)) || removed;
}

/** Which store aws/user keys of `scope` use now (a probe of the keychain, bounded in time). */
export async function userStoreInfo(scope?: KeyScope): Promise<StoreInfo> {
  const settings = await settingsOf(scope);
  const dir = join(paths.data, 'users');
  if (settings.type === 'memory') return { store: 'none', detail: `none: ${settingsNote(settings)} keeps nothing between processes`, settings };
  if (settings.type === 'file') return { store: 'file', detail: `file store ${dir} (0600 files): ${settingsNote(settings)}, Atmos's encrypted file keyring is not shared`, settings };
  const { secretServiceReachable } = await import('./keyring-secret-service.ts');
  const probe = await secretServiceReachable({ timeoutMs: keychainTimeoutMs() });
  if (probe.ok) return { store: 'keychain', detail: `keychain (Secret Service, collection ${probe.collection}; items atmos_${settings.realm ? `${settings.realm}_` : ''}<identity>, username ${KEYRING_ACCOUNT}; ${settingsNote(settings)})`, settings };
  return { store: 'file', detail: `file store ${dir} (0600 files): no keychain reachable (${probe.why})`, settings };
}
