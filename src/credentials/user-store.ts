/**
 * Long-term IAM user keys (identity kind aws/user), entered once with `atmos-auth user configure`
 * and kept on this machine only, never read from the repository. Where Atmos keeps them, so one
 * `configure` serves both tools: Atmos's keyring as ATMOS_KEYRING_TYPE / auth.keyring.type pick
 * it (keyring.ts has the naming and encoding): the OS keychain through the Secret Service
 * (keyring-secret-service.ts; the default), or Atmos's password-encrypted file keyring
 * (keyring-file.ts); `memory` shares nothing. Where no keychain is reachable (a container, an SSH
 * session without a Secret Service), atmos-auth's own store: one file per identity, mode 0600 in a
 * 0700 dir under the data dir. Which one is used is in debug output and `atmos-auth status`.
 * The keyring modules are loaded by import() only: none of this is on the hook's warm path.
 */
import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { AtmosAuthError } from '../errors.ts';
import { debug } from '../log.ts';
import { paths } from '../paths.ts';
import { readPrivateFile, removePrivateFile, writePrivateFile } from '../util/secure-file.ts';
import { isTerminal } from '../util/stdio.ts';
import type { YamlMap } from '../atmos/yaml.ts';
import { decodeAwsEnvelope, encodeAwsEnvelope, KEYRING_ACCOUNT, KeychainUnavailableError, keyringService, keyringSettings, noSessionBus, type AtmosAwsCredentials, type KeyringSettings } from './keyring.ts';

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
 * A Resolution fits (root: the directory of the atmos.yaml used, as Atmos's CliConfigPath).
 * Without a root, the configuration is discovered from `dir` (default: the working directory).
 */
export interface KeyScope {
  root: string | null;
  profiles: string[];
  dir?: string;
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

/**
 * `real` (a directory the engine found, symlinks resolved) as Atmos names it: Atmos searches from
 * Go's os.Getwd(), which is $PWD when that names the working directory, so a repository reached
 * through a symlink is known by the symlinked path, and so is its realm (a hash of the path).
 * The ancestor of $PWD that is `real`; `real` itself when there is none (another --dir).
 */
function logicalPath(real: string): string {
  const pwd = process.env.PWD;
  if (!pwd || !isAbsolute(pwd) || pwd === real) return real;
  try {
    if (realpathSync(pwd) !== realpathSync(process.cwd())) return real;
    for (let d = pwd; ; d = dirname(d)) {
      if (realpathSync(d) === real) return d;
      if (dirname(d) === d) return real;
    }
  } catch {
    return real;
  }
}

/** The keyring settings of `scope` (see KeyScope), with the merged atmos.yaml (and profiles) they come from. */
async function settingsOf(scope: KeyScope | undefined): Promise<KeyringSettings & { config: YamlMap | null }> {
  const { Reader } = await import('../atmos/reader.ts');
  const { discoverConfig } = await import('../atmos/config.ts');
  const { applyProfiles } = await import('../atmos/profiles.ts');
  const reader = new Reader(scope?.root ?? scope?.dir ?? process.cwd(), process.env);
  const base = discoverConfig(reader);
  // Atmos's CliConfigPath: the directory of the last (highest-priority) atmos.yaml merged
  // (pkg/config/load.go:507-518), the engine's root for a repository.
  const last = base.sources[base.sources.length - 1];
  const found = scope?.root ?? base.root ?? (last ? dirname(last) : null);
  const cliConfigPath = found ? logicalPath(found) : null;
  let config: YamlMap | null = null;
  if (cliConfigPath) config = applyProfiles(reader, base.config, cliConfigPath, scope?.profiles.length ? scope.profiles.join(',') : undefined).config;
  return { ...keyringSettings(config, cliConfigPath), config };
}

/** Asks for the file keyring's password at a terminal (no echo); null without one. */
function passwordAsker(): ((prompt: string) => Promise<string>) | null {
  if (!(isTerminal(0) && isTerminal(2))) return null;
  return async (prompt) => {
    const { promptLine } = await import('./prompt.ts');
    return (await promptLine(prompt, { stderr: process.stderr, secret: true })).trim();
  };
}

function describeItem(service: string): string {
  return `the keychain (Secret Service item service=${service}, username=${KEYRING_ACCOUNT})`;
}

function settingsNote(s: KeyringSettings): string {
  const realm = `realm ${s.realm} (${s.realmSource === 'config path' ? 'from the path of atmos.yaml, as Atmos derives it' : s.realmSource === 'default' ? "Atmos's default: no atmos.yaml" : `from ${s.realmSource}`})`;
  const type = s.unknownType ? `unknown keyring type ${JSON.stringify(s.unknownType)} (${s.typeSource}), used as system, as Atmos does` : `keyring type ${s.type} (${s.typeSource})`;
  return `${type}, ${realm}`;
}

/** One of Atmos's keyrings, as a key -> value store (pkg/keyring/keyring.go:33-47), and how to name it. */
interface AtmosKeyring {
  /** Where `key` is, in words. */
  describe(key: string): string;
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<boolean>;
  /** Errors meaning "this keyring is not there" (then the file store serves); others are errors. */
  isUnavailable(err: unknown): boolean;
}

/** The Atmos keyring `s` names; null for memory (nothing to share). */
async function atmosKeyring(s: Awaited<ReturnType<typeof settingsOf>>): Promise<AtmosKeyring | null> {
  if (s.type === 'memory') return null;
  if (s.type === 'file') {
    const f = await import('./keyring-file.ts');
    const place = f.fileKeyringPlace(s.config);
    let password: string | undefined;
    const pw = async (): Promise<string> => (password ??= await f.fileKeyringPassword(place, passwordAsker()));
    return {
      describe: (key) => `Atmos's file keyring ${f.fileKeyringFile(place, key)} (encrypted with the password in ${place.passwordEnv})`,
      get: (key) => f.fileKeyringGet(place, key, pw),
      set: async (key, value) => void (await f.fileKeyringSet(place, key, value, await pw())),
      delete: async (key) => f.fileKeyringDelete(place, key),
      isUnavailable: () => false,
    };
  }
  const opts = keychainOptions();
  // No session bus (containers, most SSH sessions): no keychain, and no D-Bus code to load (~35 ms).
  const ss = () => (process.env.DBUS_SESSION_BUS_ADDRESS ? import('./keyring-secret-service.ts') : Promise.reject(noSessionBus()));
  return {
    describe: describeItem,
    get: async (key) => (await ss()).secretServiceGet(key, KEYRING_ACCOUNT, opts),
    set: async (key, value) => (await ss()).secretServiceSet(key, KEYRING_ACCOUNT, value, opts),
    delete: async (key) => (await ss()).secretServiceDelete(key, KEYRING_ACCOUNT, opts),
    isUnavailable: (err) => err instanceof KeychainUnavailableError,
  };
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

async function writeFileStore(identity: string, keys: UserKeys): Promise<string> {
  const file = userKeysPath(identity);
  await writePrivateFile(file, `${JSON.stringify({ identity, accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey })}\n`);
  return file;
}

/** The IAM user keys in an Atmos keyring value; what is wrong with it otherwise (Atmos refuses the same). */
function keysOfValue(identity: string, where: string, value: string): UserKeys {
  const fix = { hint: `run: atmos-auth user configure ${identity}` };
  const d = decodeAwsEnvelope(value);
  if (!d.ok) throw new AtmosAuthError(`${where}, the keys of ${identity}, is not usable: ${d.why}`, fix);
  const c = d.credentials;
  // Atmos refuses it too (pkg/auth/identities/aws/user.go:275-282): session keys cannot mint sessions.
  if (c.session_token) throw new AtmosAuthError(`${where} holds session credentials, not the IAM user keys of ${identity}`, fix);
  if (!c.access_key_id || !c.secret_access_key) throw new AtmosAuthError(`${where} lacks the access key or the secret of ${identity} (as Atmos, user.go:364-367: incomplete)`, fix);
  return {
    accessKeyId: c.access_key_id,
    secretAccessKey: c.secret_access_key,
    ...(c.mfa_arn ? { mfaArn: c.mfa_arn } : {}),
    ...(c.session_duration ? { sessionDuration: c.session_duration } : {}),
  };
}

/**
 * The stored keys of `identity`, or null when none (or unusable: see debug output). Atmos's
 * keyring first (the keychain, or its file keyring when so configured); atmos-auth's file store
 * when that has none or no keychain can be reached. A locked keychain or an unreadable item is an
 * error, not "no keys": as in Atmos (pkg/auth/identities/aws/user.go:345-367), a read failure
 * must not pass for missing keys.
 */
export async function readUserKeys(identity: string, scope?: KeyScope): Promise<UserKeys | null> {
  const s = await settingsOf(scope);
  const kr = await atmosKeyring(s);
  const key = keyringService(identity, s.realm);
  if (!kr) {
    // Atmos's memory keyring lives and dies with one atmos process (pkg/keyring/memory.go): nothing to share.
    debug(`user keys of ${identity}: keyring type memory (${s.typeSource}) keeps nothing between processes: none stored`);
    return null;
  }
  try {
    const value = await kr.get(key);
    if (value !== null) {
      const keys = keysOfValue(identity, kr.describe(key), value);
      debug(`user keys of ${identity} from ${kr.describe(key)}; ${settingsNote(s)}`);
      return keys;
    }
    debug(`user keys of ${identity}: not in ${kr.describe(key)}; trying the file store (${userKeysPath(identity)})`);
  } catch (err) {
    if (!kr.isUnavailable(err)) throw err;
    debug(`user keys of ${identity}: keychain unavailable (${(err as Error).message}): using the file store (${userKeysPath(identity)})`);
  }
  const keys = readFileStore(identity);
  if (keys) debug(`user keys of ${identity} from the file store ${userKeysPath(identity)}`);
  return keys;
}

/**
 * Stores the keys of `identity` in Atmos's keyring (the keychain, or Atmos's file keyring when so
 * configured; then the file-store copy, if any, is removed: one place), else, when no keychain is
 * reachable, in the file store (atomically, 0600). The item keeps the mfa_arn and
 * session_duration an earlier Atmos configure put there. Returns where.
 */
export async function writeUserKeys(identity: string, keys: UserKeys, scope?: KeyScope): Promise<StoredAt> {
  const s = await settingsOf(scope);
  const kr = await atmosKeyring(s);
  if (!kr) {
    throw new AtmosAuthError(`keyring type memory (${s.typeSource}) keeps nothing beyond one process: there is nowhere to store the keys of ${identity}`, {
      hint: s.typeSource === 'ATMOS_KEYRING_TYPE' ? 'unset ATMOS_KEYRING_TYPE (or set it to system) and run the command again' : 'set auth.keyring.type to system in atmos.yaml, or ATMOS_KEYRING_TYPE=system',
    });
  }
  const key = keyringService(identity, s.realm);
  try {
    let previous: AtmosAwsCredentials = {};
    const old = await kr.get(key).catch((err: unknown) => {
      if (kr.isUnavailable(err)) throw err;
      // An item we cannot read (another password, damaged) is replaced, as Atmos's Set would.
      debug(`keys of ${identity}: the current ${kr.describe(key)} is not readable (${(err as Error).message}): replacing it`);
      return null;
    });
    if (old !== null) {
      const d = decodeAwsEnvelope(old);
      if (d.ok) previous = d.credentials;
    }
    const mfa = keys.mfaArn ?? previous.mfa_arn;
    const duration = keys.sessionDuration ?? previous.session_duration;
    const value = encodeAwsEnvelope({
      access_key_id: keys.accessKeyId,
      secret_access_key: keys.secretAccessKey,
      ...(mfa ? { mfa_arn: mfa } : {}),
      ...(duration ? { session_duration: duration } : {}),
    });
    await kr.set(key, value);
    if (removePrivateFile(userKeysPath(identity))) debug(`user keys of ${identity}: removed the older copy in the file store`);
    debug(`stored the keys of ${identity} in ${kr.describe(key)}; ${settingsNote(s)}`);
    return { store: s.type === 'file' ? 'file' : 'keychain', where: kr.describe(key), note: settingsNote(s) };
  } catch (err) {
    if (!kr.isUnavailable(err)) throw err;
    debug(`keys of ${identity}: keychain unavailable (${(err as Error).message}): using the file store`);
    const file = await writeFileStore(identity, keys);
    return { store: 'file', where: file, note: `mode 0600; no keychain reachable: ${(err as Error).message}` };
  }
}

/** Deletes the keys of `identity` from Atmos's keyring (when reachable) and the file store; true when there were some. */
export async function removeUserKeys(identity: string, scope?: KeyScope): Promise<boolean> {
  const s = await settingsOf(scope);
  const kr = await atmosKeyring(s);
  let removed = false;
  if (kr) {
    try {
      removed = await kr.delete(keyringService(identity, s.realm));
    } catch (err) {
      if (!kr.isUnavailable(err)) throw err;
      debug(`keys of ${identity}: keychain unavailable (${(err as Error).message})`);
    }
  }
  return removePrivateFile(userKeysPath(identity)) || removed;
}

/** Which store aws/user keys of `scope` use now (a probe of the keychain, bounded in time). */
export async function userStoreInfo(scope?: KeyScope): Promise<StoreInfo> {
  const full = await settingsOf(scope);
  const { config: _config, ...settings } = full;
  const dir = join(paths.data, 'users');
  if (settings.type === 'memory') return { store: 'none', detail: `none: ${settingsNote(settings)} keeps nothing between processes`, settings };
  if (settings.type === 'file') {
    const { fileKeyringPlace } = await import('./keyring-file.ts');
    const place = fileKeyringPlace(full.config);
    return { store: 'file', detail: `Atmos's file keyring ${place.dir} (encrypted with the password in ${place.passwordEnv}; ${settingsNote(settings)})`, settings };
  }
  const probe = process.env.DBUS_SESSION_BUS_ADDRESS
    ? await (await import('./keyring-secret-service.ts')).secretServiceReachable({ timeoutMs: keychainTimeoutMs() })
    : { ok: false as const, why: noSessionBus().message };
  if (probe.ok) return { store: 'keychain', detail: `keychain (Secret Service, collection ${probe.collection}; items atmos_${settings.realm}_<identity>, username ${KEYRING_ACCOUNT}; ${settingsNote(settings)})`, settings };
  return { store: 'file', detail: `file store ${dir} (0600 files): no keychain reachable (${probe.why})`, settings };
}
