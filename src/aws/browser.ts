/**
 * Opening the sign-in page, and deciding whether a login can happen at all. `$BROWSER` wins (run
 * directly with the URL as an argument, no shell); else the platform opener through `open`. The
 * URL is always printed too, by the caller, so a browser that fails to start costs nothing.
 * The child never inherits our stdout: in a shell hook stdout is evaluated by the shell.
 */
import { spawn } from 'node:child_process';
import { debug } from '../log.ts';

/** The command in $BROWSER (first of a `:`-separated list, as Python's webbrowser reads it), or undefined. */
export function browserFromEnv(): string[] | undefined {
  const raw = process.env.BROWSER;
  if (!raw || !raw.trim()) return undefined;
  const first = raw.split(':').map((s) => s.trim()).find(Boolean) ?? raw.trim();
  const argv = first.split(/\s+/).filter(Boolean);
  return argv.length ? argv : undefined;
}

/** True when the device flow fits better: over SSH, or on Linux/BSD without a display (unless $BROWSER is set). */
export function preferDeviceFlow(): boolean {
  if (browserFromEnv()) return false;
  if (process.env.SSH_CONNECTION || process.env.SSH_TTY) return true;
  if (process.platform !== 'darwin' && process.platform !== 'win32' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return true;
  return false;
}

/** True when a person can take part in a login: a terminal on stdin or stderr, or an explicit $BROWSER. */
export function canPromptUser(stderr: NodeJS.WritableStream = process.stderr): boolean {
  if (browserFromEnv()) return true;
  return !!process.stdin.isTTY || !!(stderr as { isTTY?: boolean }).isTTY;
}

/** Starts the browser on `url` and returns at once. Failures are logged, never thrown. */
export async function openBrowser(url: string): Promise<void> {
  const argv = browserFromEnv();
  if (argv) {
    const [cmd, ...rest] = argv as [string, ...string[]];
    const args = rest.some((a) => a.includes('%s')) ? rest.map((a) => a.replaceAll('%s', url)) : [...rest, url];
    debug(`opening the sign-in page with $BROWSER (${cmd})`);
    try {
      const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
      child.on('error', (err) => debug(`$BROWSER failed to start: ${err.message}`));
      child.unref();
    } catch (err) {
      debug(`$BROWSER failed to start: ${(err as Error).message}`);
    }
    return;
  }
  try {
    const { default: open } = await import('open');
    const child = await open(url);
    child.on('error', (err) => debug(`browser opener failed: ${err.message}`));
    child.unref();
  } catch (err) {
    debug(`browser opener failed: ${(err as Error).message}`);
  }
}
