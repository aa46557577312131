/**
 * `atmos-auth console`: the AWS web console as the directory's identity (or --identity), through
 * the federation sign-in Atmos uses (src/aws/console.ts). `--print-only` prints the login URL on
 * stdout and opens nothing.
 *
 * The login URL holds a sign-in token that is as good as the credentials for 15 minutes, so it is
 * never put in a child's argv, where any local user could read it from /proc/<pid>/cmdline: the
 * browser ($BROWSER, else the platform opener) is given the path of a 0600 page in a 0700
 * directory that forwards to the URL. Such pages are removed once the token has expired, on the
 * next run of this command.
 */
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { getCredentials, identityHop } from '../credentials/get-credentials.ts';
import { implicitPolicy, resolveTarget } from '../credentials/target.ts';
import { UsageError } from '../errors.ts';
import { debug, writeStderr } from '../log.ts';
import { paths } from '../paths.ts';
import { noticeUntrusted } from '../trust/trust.ts';
import { writePrivateFileSync } from '../util/secure-file.ts';
import { DESTINATION_ALIASES, resolveDestination } from '../aws/console-destinations.ts';

export interface ConsoleArgs {
  identity?: string;
  dir?: string;
  profile?: string;
  destination?: string;
  /** Accepted as Atmos accepts it (e.g. `1h`, `90m`); see src/aws/console.ts for why it is not sent. */
  duration?: string;
  issuer?: string;
  printOnly?: boolean;
  listDestinations?: boolean;
  login?: boolean;
}

/** A sign-in token lives 15 minutes (console.go:37 AWSDefaultSigninTokenExpiration). */
const TOKEN_LIFETIME_MS = 15 * 60 * 1000;

/** Seconds of a Go-style duration (`1h`, `90m`, `1h30m`, `3600s`, or plain seconds). */
export function parseDuration(s: string): number {
  const t = s.trim();
  if (/^\d+$/.test(t)) return Number(t);
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(t);
  if (!t || !m) throw new UsageError(`invalid --duration '${s}'`, { hint: 'use e.g. 1h, 90m, 1h30m or seconds' });
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

/** The directory of the forwarding pages: the per-user runtime dir when there is one. */
function pagesDir(): string {
  const runtime = process.env.XDG_RUNTIME_DIR;
  return runtime ? join(runtime, 'atmos-auth-console') : join(paths.cache, 'console');
}

/** Removes forwarding pages whose token has expired. */
function sweepPages(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) {
    if (!/^login-[0-9a-f]+\.html$/.test(n)) continue;
    const p = join(dir, n);
    try {
      if (Date.now() - statSync(p).mtimeMs > TOKEN_LIFETIME_MS) rmSync(p, { force: true });
    } catch {
      // Gone already.
    }
  }
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Writes the page that forwards the browser to `url`; returns its path. */
function forwardingPage(url: string): string {
  const dir = pagesDir();
  sweepPages(dir);
  const file = join(dir, `login-${randomBytes(8).toString('hex')}.html`);
  const u = escapeHtml(url);
  writePrivateFileSync(file, `<!doctype html>\n<meta charset="utf-8">\n<meta name="referrer" content="no-referrer">\n<meta http-equiv="refresh" content="0;url=${u}">\n<title>AWS console</title>\n<p><a href="${u}">Continue to the AWS console</a></p>\n`);
  return file;
}

export async function run(a: ConsoleArgs): Promise<number> {
  if (a.listDestinations) {
    process.stdout.write(`${DESTINATION_ALIASES.join('\n')}\n`);
    return 0;
  }
  if (a.duration !== undefined) {
    const seconds = parseDuration(a.duration);
    // Atmos's bounds (console.go:151-165): raised to 15 minutes, capped at 12 hours.
    if (seconds < 900 || seconds > 43200) debug(`console: --duration ${seconds} s is outside 15m-12h; AWS would clamp it`);
  }
  const res = await resolveTarget(a);
  noticeUntrusted(res);
  const destination = resolveDestination(a.destination, res.region);
  const hop = identityHop(res);
  if (hop.kind === 'aws/user') {
    // Checked before any credentials are fetched (no MFA prompt for nothing): AWS's sign-in takes
    // role sessions only, not IAM user keys nor their GetSessionToken (MFA) sessions.
    throw new UsageError(`identity ${hop.name} is an aws/user (IAM user keys, or their MFA session from GetSessionToken): AWS signs role sessions in to the console, not these`, {
      hint: `use an aws/assume-role identity that goes via ${hop.name}: atmos-auth console --identity NAME (atmos-auth list shows them)`,
    });
  }
  const r = await getCredentials(res, { login: implicitPolicy(a.login !== false), stderr: process.stderr });
  const { consoleLoginUrl } = await import('../aws/console.ts');
  const url = await consoleLoginUrl(r.credentials, { destination, issuer: a.issuer ?? 'atmos-auth', region: res.region });
  const until = r.credentials.expiration ? ` until ${r.credentials.expiration.toISOString().replace(/\.\d{3}Z$/, 'Z')}` : '';
  if (a.duration !== undefined) {
    writeStderr(`atmos-auth: --duration is not sent: AWS allows a console session length only for roles assumed with an IAM user's long-term keys; this console session lasts as long as ${res.identity}'s credentials${until}\n`);
  }
  if (a.printOnly) {
    process.stdout.write(`${url}\n`);
    return 0;
  }
  const page = forwardingPage(url);
  const { openBrowser } = await import('../aws/browser.ts');
  await openBrowser(`file://${encodeURI(page)}`);
  writeStderr(`atmos-auth: opening the AWS console as ${res.identity}${until} (page ${page}; it works once, within 15 minutes)\n`);
  return 0;
}
