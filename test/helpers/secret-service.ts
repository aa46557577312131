// A real, private Secret Service for tests: a dbus-daemon on a socket in a temp dir (a config of
// our own: no service activation, so nothing else gets started behind our back) and
// gnome-keyring-daemon in the foreground on it, its login keyring created and unlocked with a
// password given on stdin. stop() ends both and waits for them. Debian packages: dbus-daemon
// (dbus), gnome-keyring, libsecret-tools (secret-tool, the second client the tests check with).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The Debian package of each program the keychain tests need. */
export const KEYCHAIN_TOOLS: Record<string, string> = {
  'dbus-daemon': 'dbus-daemon (or dbus)',
  'dbus-send': 'dbus-bin (or dbus)',
  'gnome-keyring-daemon': 'gnome-keyring',
  'secret-tool': 'libsecret-tools',
  script: 'bsdutils',
};

/** The programs of KEYCHAIN_TOOLS that are missing, with their packages ('' when none is). */
export function missingKeychainTools(): string {
  const missing = Object.entries(KEYCHAIN_TOOLS).filter(([p]) => spawnSync('sh', ['-c', `command -v ${p}`]).status !== 0);
  return missing.length ? `missing ${missing.map(([p]) => p).join(', ')}: apt-get install ${[...new Set(missing.map(([, d]) => d.split(' ')[0]))].join(' ')}` : '';
}

export interface SecretService {
  /** DBUS_SESSION_BUS_ADDRESS of the private bus. */
  address: string;
  /** What a client of this Secret Service needs in its environment. */
  env: Record<string, string>;
  /** Runs secret-tool (or another client) against it; `input` goes to stdin. */
  run(cmd: string, args: string[], input?: string): { code: number | null; stdout: string; stderr: string };
  stop(): Promise<void>;
}

const exited = (p: ChildProcess): Promise<void> => (p.exitCode !== null || p.signalCode !== null ? Promise.resolve() : new Promise((r) => p.once('exit', () => r())));

/** A private session bus alone, no Secret Service on it (an SSH session with a bus and no keyring). */
export async function startBus(dir: string): Promise<{ address: string; stop(): Promise<void> }> {
  const { address, bus } = await spawnBus(dir);
  return {
    address,
    stop: async () => {
      bus.kill('SIGTERM');
      await exited(bus);
    },
  };
}

async function spawnBus(dir: string): Promise<{ address: string; bus: ChildProcess }> {
  mkdirSync(join(dir, 'run'), { recursive: true, mode: 0o700 });
  const socket = join(dir, 'bus');
  const config = join(dir, 'session.conf');
  writeFileSync(
    config,
    `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=${socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`,
  );
  const bus = spawn('dbus-daemon', ['--nofork', `--config-file=${config}`, '--print-address=1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const address = await new Promise<string>((resolve, reject) => {
    let out = '';
    let err = '';
    bus.stdout!.on('data', (d) => {
      out += d;
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) resolve(line.trim());
    });
    bus.stderr!.on('data', (d) => (err += d));
    bus.once('exit', (code) => reject(new Error(`dbus-daemon exited (${code}): ${err}`)));
  });
  return { address, bus };
}

/** Starts it under `dir` (the keyring files go to `home`'s XDG data dir). */
export async function startSecretService(dir: string, home: string): Promise<SecretService> {
  const { address, bus } = await spawnBus(dir);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    XDG_DATA_HOME: join(home, '.local/share'),
    XDG_RUNTIME_DIR: join(dir, 'run'),
    DBUS_SESSION_BUS_ADDRESS: address,
  };
  const keyring = spawn('gnome-keyring-daemon', ['--foreground', '--unlock', '--components=secrets'], { env, stdio: ['pipe', 'ignore', 'pipe'] });
  let keyringErr = '';
  keyring.stderr!.on('data', (d) => (keyringErr += d));
  // --unlock reads the login keyring's password from stdin (and creates the keyring with it).
  keyring.stdin!.end('atmos-auth-test-password');
  const run = (cmd: string, args: string[], input?: string) => {
    const r = spawnSync(cmd, args, { env, input: input ?? '', encoding: 'utf8', timeout: 30_000 });
    return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  };
  const stop = async () => {
    keyring.kill('SIGTERM');
    await exited(keyring);
    bus.kill('SIGTERM');
    await exited(bus);
  };
  // Ready once org.freedesktop.secrets has an owner (NameHasOwner activates nothing).
  for (let i = 0; ; i++) {
    const r = run('dbus-send', ['--session', '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.NameHasOwner', 'string:org.freedesktop.secrets']);
    if (/boolean true/.test(r.stdout)) break;
    if (keyring.exitCode !== null || i > 200) {
      await stop();
      throw new Error(`gnome-keyring-daemon did not come up on the private bus: ${keyringErr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { address, env, run, stop };
}
