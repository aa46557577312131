/**
 * The freedesktop Secret Service (GNOME Keyring, KeePassXC, KWallet's bridge) over the session
 * D-Bus, in JavaScript (@jellybrick/dbus-next), doing exactly what zalando/go-keyring v0.2.8 does
 * for Atmos, so that each finds the other's items:
 *   - items carry the attributes {service, username} and nothing else
 *     (go-keyring keyring_unix.go:29-32 on Set, 57-60 on Get);
 *   - in the collection /org/freedesktop/secrets/collection/login when the service lists it,
 *     else the `default` alias (secret_service.go:96-103 GetLoginCollection);
 *   - labelled "Password for '<username>' on '<service>'" (keyring_unix.go:43-45), stored with a
 *     "plain" session (secret_service.go:62-72) and content type "text/plain; charset=utf8"
 *     (secret_service.go:34-41), replacing an item with the same attributes;
 *   - the collection unlocked first (keyring_unix.go:36-41, 62-65).
 * Unlike go-keyring, nothing waits forever (go-keyring's handlePrompt blocks on the prompt's signal
 * with no deadline, secret_service.go:200-208, and godbus calls have none either): every operation
 * has a deadline, after which the connection is destroyed and a KeychainUnavailableError says so;
 * an unlock prompt is only started when the caller allows it (a person at a terminal), else a
 * locked collection is a KeychainLockedError; a started prompt may take promptMs.
 * Loaded only by import() (never on the hook's warm path).
 */
import { Message, MessageType, sessionBus, Variant, type MessageBus } from '@jellybrick/dbus-next';
import { AtmosAuthError } from '../errors.ts';
import { debug } from '../log.ts';
import { KeychainLockedError, KeychainUnavailableError, noSessionBus } from './keyring.ts';

const DEST = 'org.freedesktop.secrets';
const SERVICE_PATH = '/org/freedesktop/secrets';
const SERVICE = 'org.freedesktop.Secret.Service';
const COLLECTION = 'org.freedesktop.Secret.Collection';
const ITEM = 'org.freedesktop.Secret.Item';
const SESSION = 'org.freedesktop.Secret.Session';
const PROMPT = 'org.freedesktop.Secret.Prompt';
const LOGIN = '/org/freedesktop/secrets/collection/login';
const DEFAULT_ALIAS = '/org/freedesktop/secrets/aliases/default';

export { KeychainLockedError, KeychainUnavailableError };

/** How one operation talks to the Secret Service. */
export interface SecretServiceOptions {
  /** Deadline of the whole operation, in milliseconds (connect, unlock, read or write). */
  timeoutMs: number;
  /** May an unlock prompt be shown (the desktop's password dialog)? While it is up, the deadline is `promptMs`. */
  allowPrompt?: boolean;
  promptMs?: number;
  /** Session bus address; default $DBUS_SESSION_BUS_ADDRESS. */
  busAddress?: string;
}

/** A D-Bus secret: (session, parameters, value, content type), signature (oayays). */
type Secret = [string, Buffer, Buffer, string];

class Connection {
  readonly bus: MessageBus;
  /** Moves the operation's deadline to `ms` from now (a prompt waits for a person, not the daemon). */
  readonly extend: (ms: number) => void;
  readonly opts: SecretServiceOptions;
  constructor(bus: MessageBus, opts: SecretServiceOptions, extend: (ms: number) => void) {
    this.bus = bus;
    this.opts = opts;
    this.extend = extend;
  }

  async call(path: string, iface: string, member: string, signature = '', body: unknown[] = []): Promise<unknown[]> {
    const reply = await this.bus.call(new Message({ destination: DEST, path, interface: iface, member, signature, body }));
    return reply?.body ?? [];
  }

  /** The collection go-keyring uses: `login` when the service lists it, else the default alias. */
  async loginCollection(): Promise<string> {
    const [v] = await this.call(SERVICE_PATH, 'org.freedesktop.DBus.Properties', 'Get', 'ss', [SERVICE, 'Collections']);
    const paths = (v as Variant | undefined)?.value;
    return Array.isArray(paths) && paths.includes(LOGIN) ? LOGIN : DEFAULT_ALIAS;
  }

  async openPlainSession(): Promise<string> {
    const [, session] = await this.call(SERVICE_PATH, SERVICE, 'OpenSession', 'sv', ['plain', new Variant('s', '')]);
    return session as string;
  }

  /**
   * Unlocks `path` (a collection or item) as go-keyring does, except that a prompt is followed
   * only when allowed: a locked login keyring in an SSH session has no one to type the password.
   */
  async unlock(path: string, opts: SecretServiceOptions): Promise<void> {
    const [unlocked, prompt] = (await this.call(SERVICE_PATH, SERVICE, 'Unlock', 'ao', [[path]])) as [string[], string];
    if (prompt === '/' || !prompt) {
      if (unlocked.length === 0) throw new KeychainLockedError(`the keychain collection ${path} stays locked`);
      return;
    }
    if (!opts.allowPrompt) {
      throw new KeychainLockedError('the keychain (Secret Service login collection) is locked', {
        hint: 'unlock it (log in to the desktop, or run the command in a terminal to be asked for its password)',
      });
    }
    debug(`keychain: ${path} is locked: showing the unlock prompt`);
    const dismissed = await this.prompt(prompt);
    if (dismissed) throw new KeychainLockedError('the keychain unlock prompt was dismissed');
  }

  /** Runs a Secret Service prompt and waits for its Completed signal; true when dismissed. */
  async prompt(path: string): Promise<boolean> {
    const rule = `type='signal',interface='${PROMPT}',member='Completed',path='${path}'`;
    await this.bus.call(new Message({ destination: 'org.freedesktop.DBus', path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus', member: 'AddMatch', signature: 's', body: [rule] }));
    const done = new Promise<boolean>((resolve) => {
      const onMessage = (m: Message): void => {
        if (m.type === MessageType.SIGNAL && m.path === path && m.interface === PROMPT && m.member === 'Completed') {
          this.bus.off('message', onMessage);
          resolve(m.body[0] === true);
        }
      };
      this.bus.on('message', onMessage);
    });
    // The desktop's dialog waits for a person: promptMs, then the usual deadline again.
    this.extend(Math.max(this.opts.promptMs ?? 0, this.opts.timeoutMs));
    await this.call(path, PROMPT, 'Prompt', 's', ['']);
    const dismissed = await done;
    this.extend(this.opts.timeoutMs);
    return dismissed;
  }

  async search(collection: string, attributes: Record<string, string>): Promise<string[]> {
    const [items] = await this.call(collection, COLLECTION, 'SearchItems', 'a{ss}', [attributes]);
    return (items as string[] | undefined) ?? [];
  }
}

/**
 * Closes the bus connection for good. MessageBus.disconnect() only half-closes the socket
 * (stream.end()): a peer that stalls (the case the deadline is for) would keep it, and this
 * process, alive. So the stream is destroyed too; `_connection.stream` is the library's own
 * field (dbus-next 0.11 DBusConnection), hence the cast.
 */
function closeBus(bus: MessageBus | undefined): void {
  if (!bus) return;
  try {
    bus.disconnect();
  } catch {
    // already closed
  }
  (bus as unknown as { _connection?: { stream?: { destroy?: () => void } } })._connection?.stream?.destroy?.();
}

/** Connects to the session bus within the deadline and runs `fn`; the connection is always closed. */
async function withConnection<T>(opts: SecretServiceOptions, what: string, fn: (c: Connection) => Promise<T>): Promise<T> {
  const address = opts.busAddress ?? process.env.DBUS_SESSION_BUS_ADDRESS;
  if (!address) throw noSessionBus();
  let bus: MessageBus | undefined;
  let timer: NodeJS.Timeout | undefined;
  let expire: (err: Error) => void = () => undefined;
  const deadline = new Promise<never>((_, reject) => (expire = reject));
  const extend = (ms: number): void => {
    clearTimeout(timer);
    timer = setTimeout(() => expire(new KeychainUnavailableError(`the Secret Service did not answer within ${ms} ms (${what})`)), ms);
  };
  try {
    extend(opts.timeoutMs);
    bus = sessionBus({ busAddress: address });
    // A broken socket surfaces as an 'error' event; without a listener it would end the process.
    const failed = new Promise<never>((_, reject) => {
      (bus as unknown as NodeJS.EventEmitter).on('error', (err: Error) => reject(new KeychainUnavailableError(`the D-Bus session bus failed: ${err.message}`, { cause: err })));
    });
    return await Promise.race([fn(new Connection(bus, opts, extend)), failed, deadline]);
  } catch (err) {
    if (err instanceof AtmosAuthError) throw err;
    const e = err as { type?: string; text?: string; message?: string };
    const why = `${e.type ? `${e.type}: ` : ''}${e.text ?? e.message ?? String(err)}`;
    // Nobody owns org.freedesktop.secrets on this bus (or the bus itself gave up): no keychain.
    if (!e.type || UNREACHABLE.has(e.type) || e.type.startsWith('org.freedesktop.DBus.Error.Spawn')) throw new KeychainUnavailableError(`the Secret Service is not reachable: ${why}`, { cause: err });
    // The keychain is there and refused: not a reason to use another store.
    throw new AtmosAuthError(`the keychain refused to ${what}: ${why}`, { cause: err, hint: 'check the desktop keyring (seahorse, secret-tool), or set ATMOS_KEYRING_TYPE=file to keep the keys in a file' });
  } finally {
    clearTimeout(timer);
    closeBus(bus);
  }
}

/** D-Bus errors that mean "no Secret Service here", as opposed to one that answered no. */
const UNREACHABLE = new Set([
  'org.freedesktop.DBus.Error.ServiceUnknown',
  'org.freedesktop.DBus.Error.NameHasNoOwner',
  'org.freedesktop.DBus.Error.NoReply',
  'org.freedesktop.DBus.Error.Disconnected',
  'org.freedesktop.DBus.Error.TimedOut',
  'org.freedesktop.DBus.Error.NoServer',
  'org.freedesktop.DBus.Error.AccessDenied',
  'org.freedesktop.DBus.Error.AuthFailed',
]);

/** The secret of the item with attributes {service, username}, or null when there is none (go-keyring Get). */
export async function secretServiceGet(service: string, username: string, opts: SecretServiceOptions): Promise<string | null> {
  return withConnection(opts, 'read', async (c) => {
    const collection = await c.loginCollection();
    await c.unlock(collection, opts);
    const items = await c.search(collection, { username, service });
    const item = items[0];
    if (!item) return null;
    const session = await c.openPlainSession();
    try {
      await c.unlock(item, opts);
      const [secret] = (await c.call(item, ITEM, 'GetSecret', 'o', [session])) as [Secret];
      return Buffer.from(secret[2]).toString('utf8');
    } finally {
      await c.call(session, SESSION, 'Close').catch(() => undefined);
    }
  });
}

/** Stores `value` as the item {service, username}, replacing one that exists (go-keyring Set). */
export async function secretServiceSet(service: string, username: string, value: string, opts: SecretServiceOptions): Promise<void> {
  await withConnection(opts, 'write', async (c) => {
    const session = await c.openPlainSession();
    try {
      const collection = await c.loginCollection();
      await c.unlock(collection, opts);
      const properties = {
        [`${ITEM}.Label`]: new Variant('s', `Password for '${username}' on '${service}'`),
        [`${ITEM}.Attributes`]: new Variant('a{ss}', { username, service }),
      };
      const secret: Secret = [session, Buffer.alloc(0), Buffer.from(value, 'utf8'), 'text/plain; charset=utf8'];
      const [, prompt] = (await c.call(collection, COLLECTION, 'CreateItem', 'a{sv}(oayays)b', [properties, secret, true])) as [string, string];
      if (prompt && prompt !== '/') {
        if (!opts.allowPrompt) throw new KeychainLockedError('the keychain asks for confirmation to store the item, and no one is here to give it');
        if (await c.prompt(prompt)) throw new KeychainLockedError('the keychain prompt to store the item was dismissed');
      }
    } finally {
      await c.call(session, SESSION, 'Close').catch(() => undefined);
    }
  });
}

/** Deletes the item {service, username}; true when there was one (go-keyring Delete). */
export async function secretServiceDelete(service: string, username: string, opts: SecretServiceOptions): Promise<boolean> {
  return withConnection(opts, 'delete', async (c) => {
    const collection = await c.loginCollection();
    await c.unlock(collection, opts);
    const items = await c.search(collection, { username, service });
    for (const item of items) {
      const [prompt] = (await c.call(item, ITEM, 'Delete')) as [string];
      if (prompt && prompt !== '/' && (!opts.allowPrompt || (await c.prompt(prompt)))) throw new KeychainLockedError('the keychain did not let the item be deleted');
    }
    return items.length > 0;
  });
}

/** True when a Secret Service answers on the session bus (the probe Atmos makes, pkg/keyring/system.go:28-30). */
export async function secretServiceReachable(opts: SecretServiceOptions): Promise<{ ok: true; collection: string } | { ok: false; why: string }> {
  try {
    const collection = await withConnection(opts, 'probe', (c) => c.loginCollection());
    return { ok: true, collection };
  } catch (err) {
    return { ok: false, why: (err as Error).message };
  }
}
