/**
 * SSO sessions: a valid IAM Identity Center access token for a provider, the way a careful user
 * would get one. Cached token first (of the AWS CLI's and Atmos's caches, the one that stays valid
 * longest), then a silent refresh with the refresh token when under 15 minutes remain, and a
 * browser login only when the session is really gone and the caller allows it. Every login and
 * refresh is written to both caches, so one sign-in serves atmos-auth, Atmos and the AWS CLI.
 * One process at a time per session, across processes, so eight shells doing `cd` at once cause
 * one login.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { debug } from '../log.ts';
import { paths } from '../paths.ts';
import { withLock } from '../util/lock.ts';
import { readPrivateFile, removePrivateFile, writePrivateFileSync } from '../util/secure-file.ts';
import { canPromptUser, preferDeviceFlow } from './browser.ts';
import { baseClientConfig, errName, isNetworkError, loadPortal, mapCommonError } from './client.ts';
import { LoginInProgressError, LoginRequiredError } from './errors.ts';
import { loginWithDeviceCode, loginWithPkce, oidcClient, type LoginContext } from './login.ts';
import {
  formatTimestamp, isRefreshable, locateToken, plausibleExpiry, readCandidates, removeRegistrations, removeToken, unusableTokenNotes, writeAtmosToken, writeToken,
  type CachedToken, type TokenLocation, type TokenRecord,
} from './token-cache.ts';

/** An `aws/iam-identity-center` provider. */
export interface SsoProvider {
  name: string;
  startUrl: string;
  /** The IAM Identity Center (SSO) region. */
  region: string;
  sessionDuration?: number;
}

/** A usable access token and where it came from. */
export interface SsoToken {
  accessToken: string;
  expiresAt: Date;
  region: string;
  startUrl: string;
  /** True when it can be refreshed silently (refresh token + valid client registration). */
  refreshable: boolean;
  source: 'aws-cli-cache' | 'atmos-cache' | 'refresh' | 'login';
  /** The cache file holding it (absent only when it could not be saved). */
  cacheFile?: string;
}

export type LoginPolicy = 'never' | 'if-needed' | 'always';

export interface SsoOptions {
  login: LoginPolicy;
  /** true: device flow; false: PKCE; absent: device flow over SSH / without a display, else PKCE. */
  deviceCode?: boolean;
  /** Where prompts and the sign-in URL go (default process.stderr). Never receives a secret. */
  stderr?: NodeJS.WritableStream;
  signal?: AbortSignal;
  /** A cached token is used as is while more than this remains (default 900 s). */
  minValiditySeconds?: number;
  /** The command named by LoginRequiredError (default `atmos-auth login --provider <name>`). */
  loginCommand?: string;
  /** How long the person has to finish signing in (default 600 s). */
  loginTimeoutSeconds?: number;
}

/** A token with less than this left is not handed out at all. */
const USABLE_MARGIN_MS = 60_000;

// ---- tokens we must not use again (revoked server-side, or logged out while held by Atmos) ----

const revokedFile = () => join(paths.cache, 'sso', 'revoked-tokens.json');
const hashToken = (t: string) => createHash('sha256').update(t).digest('hex');

function readRevoked(): Record<string, number> {
  try {
    const text = readPrivateFile(revokedFile());
    const j = text ? (JSON.parse(text) as unknown) : null;
    return j && typeof j === 'object' ? (j as Record<string, number>) : {};
  } catch {
    return {};
  }
}

/** Remembers (by hash, until it expires anyway) that a token must not be used again. */
function markRevoked(tokens: { accessToken: string; expiresAt: Date }[]): void {
  const now = Date.now();
  const list = Object.fromEntries(Object.entries(readRevoked()).filter(([, exp]) => exp > now));
  for (const t of tokens) list[hashToken(t.accessToken)] = t.expiresAt.getTime();
  try {
    writePrivateFileSync(revokedFile(), JSON.stringify(list));
  } catch (err) {
    debug(`could not record a revoked token: ${(err as Error).message}`);
  }
}

function candidates(p: SsoProvider, loc: TokenLocation): CachedToken[] {
  const all = readCandidates(p, loc);
  if (!all.length) return all;
  const revoked = readRevoked();
  return all.filter((t) => !(hashToken(t.accessToken) in revoked));
}

/** The token with the latest expiry among those with more than `minMs` left. */
function freshest(list: CachedToken[], minMs: number, now = Date.now()): CachedToken | undefined {
  return list.filter((t) => t.expiresAt.getTime() - now > minMs && plausibleExpiry(t, now)).sort((a, b) => b.expiresAt.getTime() - a.expiresAt.getTime())[0];
}

function toSsoToken(t: CachedToken, loc: TokenLocation): SsoToken {
  return {
    accessToken: t.accessToken,
    expiresAt: t.expiresAt,
    region: t.region ?? loc.region,
    startUrl: t.startUrl ?? loc.startUrl,
    refreshable: isRefreshable(t),
    source: t.source,
    cacheFile: t.file,
  };
}

const secondsLeft = (d: Date) => Math.round((d.getTime() - Date.now()) / 1000);

/**
 * A valid access token for the provider: cache -> refresh (when under `minValiditySeconds` left and
 * the registration is valid) -> login (per policy). Throws LoginRequiredError when a login is
 * needed but not allowed, or impossible (no terminal and no $BROWSER).
 */
export async function getSsoToken(p: SsoProvider, o: SsoOptions): Promise<SsoToken> {
  const loc = locateToken(p);
  const minMs = (o.minValiditySeconds ?? 900) * 1000;
  if (o.login !== 'always') {
    const hit = freshest(candidates(p, loc), minMs);
    if (hit) {
      debug(`sso token cache hit for ${p.name}: ${hit.source} ${hit.file}, ${secondsLeft(hit.expiresAt)} s left`);
      return toSsoToken(hit, loc);
    }
    debug(`sso token cache miss for ${p.name} (looked at ${[loc.primaryFile, loc.legacyFile, ...loc.atmosFiles].filter(Boolean).join(', ')})`);
  }
  const loginMs = (o.loginTimeoutSeconds ?? 600) * 1000;
  const waitMs = o.login === 'never' ? 60_000 : loginMs + 60_000;
  return withLock(`sso-session ${loc.primaryFile}`, () => underLock(p, loc, o, minMs, loginMs), { waitMs, onWait: loginWaitPolicy(p, o) });
}

// ---- a login in progress in another process ----

/** How long a run that cannot log in waits for another process's login before saying so. */
const LOGIN_WAIT_GRACE_MS = 3000;

/** The file that says "a process is in an interactive login for this session" (beside the locks). */
function loginMarker(loc: TokenLocation): string {
  return join(paths.cache, 'locks', `login-${createHash('sha1').update(loc.primaryFile).digest('hex')}.json`);
}

/** True while another live process is in an interactive login for this provider's session. */
export function loginInProgress(p: SsoProvider): boolean {
  const file = loginMarker(locateToken(p));
  try {
    const text = readPrivateFile(file);
    if (!text) return false;
    const m = JSON.parse(text) as { pid?: unknown; until?: unknown };
    if (typeof m.pid !== 'number' || typeof m.until !== 'number' || m.until < Date.now()) return false;
    process.kill(m.pid, 0); // throws ESRCH when that process is gone (killed mid-login)
    return m.pid !== process.pid;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The lock-wait policy of a run: one that can log in itself waits for another terminal's login
 * (it would otherwise start a second one) and says so once; one that cannot (the shell hook,
 * --no-login, no terminal) gives up after a few seconds with LoginInProgressError, so the hook
 * never holds the prompt for the minutes a browser login may take (DESIGN §5).
 */
export function loginWaitPolicy(p: SsoProvider, o: Pick<SsoOptions, 'login' | 'stderr'>): (waitedMs: number) => void {
  const stderr = o.stderr ?? process.stderr;
  const canLogIn = o.login !== 'never' && canPromptUser(stderr);
  let lastCheck = -Infinity;
  let told = false;
  return (waited) => {
    if (waited < LOGIN_WAIT_GRACE_MS || waited - lastCheck < 500) return;
    lastCheck = waited;
    if (!loginInProgress(p)) return;
    if (!canLogIn) throw new LoginInProgressError(p.name);
    if (!told) {
      told = true;
      stderr.write(`atmos-auth: waiting for the sign-in to ${p.name} running in another terminal (Ctrl-C to stop waiting)\n`);
    }
  };
}

/** Runs an interactive login with the marker of loginInProgress in place. */
async function markedLogin<T>(loc: TokenLocation, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  const file = loginMarker(loc);
  try {
    writePrivateFileSync(file, JSON.stringify({ pid: process.pid, until: Date.now() + timeoutMs + 60_000 }), { fsync: false });
  } catch (err) {
    debug(`could not mark the login in progress: ${(err as Error).message}`);
  }
  try {
    return await fn();
  } finally {
    try {
      removePrivateFile(file);
    } catch {
      // A leftover marker names a dead pid or a past deadline: ignored by loginInProgress.
    }
  }
}

async function underLock(p: SsoProvider, loc: TokenLocation, o: SsoOptions, minMs: number, loginMs: number): Promise<SsoToken> {
  const stderr = o.stderr ?? process.stderr;
  const command = o.loginCommand ?? `atmos-auth login --provider ${p.name}`;
  if (o.login !== 'always') {
    const all = candidates(p, loc);
    const hit = freshest(all, minMs);
    if (hit) {
      debug(`sso token for ${p.name} obtained by another process: ${hit.file}`);
      return toSsoToken(hit, loc);
    }
    const tried = new Set<string>();
    let refreshable = nextRefreshable(all, tried);
    let usable = freshest(all, USABLE_MARGIN_MS);
    let refused = false;
    if (!refreshable) debug(`sso token for ${p.name}: nothing refreshable in the caches`);
    while (refreshable) {
      tried.add(refreshable.refreshToken!);
      const r = await refresh(p, loc, refreshable, stderr, o.signal);
      if (r.token) return r.token;
      refused = r.refused;
      if (!r.refused) {
        if (r.error && !usable) throw r.error;
        break;
      }
      // Refused (typically InvalidGrantException): another tool may have rotated this refresh
      // token and saved a newer one in its own cache since we read them. Read them all again
      // before a browser sign-in; a newer refresh token gets its own try.
      const again = candidates(p, loc);
      const newer = freshest(again, minMs);
      if (newer) {
        debug(`sso token for ${p.name}: a newer token appeared in ${newer.file} after the refresh was refused`);
        return toSsoToken(newer, loc);
      }
      usable = freshest(again, USABLE_MARGIN_MS);
      refreshable = nextRefreshable(again, tried);
      if (refreshable) debug(`sso token for ${p.name}: trying the newer refresh token in ${refreshable.file}`);
    }
    // Use what is left rather than prompt, unless the server just refused our refresh and a login is possible.
    if (usable && (!refused || o.login === 'never' || !canPromptUser(stderr))) {
      debug(`sso token for ${p.name}: using ${usable.file} with ${secondsLeft(usable.expiresAt)} s left`);
      return toSsoToken(usable, loc);
    }
  }
  if (o.login === 'never') {
    const notes = unusableTokenNotes(loc);
    throw new LoginRequiredError(`no valid SSO session for provider ${p.name} (${p.startUrl})${notes.length ? `; ${notes.join('; ')}` : ''}`, command);
  }
  if (!canPromptUser(stderr)) {
    throw new LoginRequiredError(`the SSO session of provider ${p.name} needs a login, and there is no terminal to do it from`, command);
  }
  const ctx: LoginContext = { providerName: p.name, loc, stderr, timeoutMs: loginMs };
  if (o.signal) ctx.signal = o.signal;
  const device = o.deviceCode ?? preferDeviceFlow();
  const res = await markedLogin(loc, loginMs, () => device
    ? loginWithDeviceCode(ctx, { openBrowser: o.deviceCode === true ? !preferDeviceFlow() : !!process.env.BROWSER })
    : loginWithPkce(ctx));
  debug(`sso login for ${p.name} succeeded; token valid ${secondsLeft(res.expiresAt)} s${res.refreshToken ? ', refreshable' : ''}`);
  const rec: TokenRecord = {
    startUrl: loc.startUrl,
    region: loc.region,
    accessToken: res.accessToken,
    expiresAt: res.expiresAt,
    clientId: res.registration.clientId,
    clientSecret: res.registration.clientSecret,
    registrationExpiresAt: res.registration.expiresAt,
  };
  if (res.refreshToken) rec.refreshToken = res.refreshToken;
  const saved = await saveShared(p, loc, rec, [loc.primaryFile], stderr);
  const tok: SsoToken = {
    accessToken: rec.accessToken, expiresAt: rec.expiresAt, region: loc.region, startUrl: loc.startUrl,
    refreshable: !!rec.refreshToken, source: 'login',
  };
  if (saved) tok.cacheFile = saved;
  return tok;
}

/** The refreshable token with the latest expiry whose refresh token has not been tried yet. */
function nextRefreshable(list: CachedToken[], tried: Set<string>): CachedToken | undefined {
  return list.filter((t) => isRefreshable(t) && !tried.has(t.refreshToken!)).sort((a, b) => b.expiresAt.getTime() - a.expiresAt.getTime())[0];
}

/**
 * Writes a token to the AWS CLI cache files given (botocore format) and to Atmos's session file
 * (Atmos's format, with the provider's start_url and region verbatim: Atmos compares them exactly,
 * sso_cache.go:129). Called under the session lock. Returns the first AWS CLI file saved, or the
 * Atmos file when only that one could be written.
 */
async function saveShared(p: SsoProvider, loc: TokenLocation, rec: TokenRecord, cliFiles: string[], stderr: NodeJS.WritableStream, toAtmos = true): Promise<string | undefined> {
  let first: string | undefined;
  for (const file of new Set(cliFiles)) {
    try {
      await writeToken(file, rec);
      first ??= file;
    } catch (err) {
      stderr.write(`atmos-auth: warning: could not save the SSO token to ${file}: ${(err as Error).message}\n`);
    }
  }
  if (toAtmos && loc.atmosFile) {
    try {
      await writeAtmosToken(loc.atmosFile, { ...rec, startUrl: p.startUrl, region: p.region });
      first ??= loc.atmosFile;
    } catch (err) {
      stderr.write(`atmos-auth: warning: could not share the SSO token with Atmos (${loc.atmosFile}): ${(err as Error).message}\n`);
    }
  }
  return first;
}

/** OIDC error names that mean "this refresh token / registration will never work again". */
const REFRESH_REFUSED = new Set(['InvalidGrantException', 'ExpiredTokenException', 'InvalidClientException', 'UnauthorizedClientException', 'AccessDeniedException', 'InvalidRequestException', 'UnsupportedGrantTypeException', 'InvalidScopeException']);

/**
 * CreateToken(refresh_token); writes the rotated token back where it was read (an AWS CLI file),
 * to our primary file, and to Atmos's session file.
 */
async function refresh(p: SsoProvider, loc: TokenLocation, t: CachedToken, stderr: NodeJS.WritableStream, signal?: AbortSignal): Promise<{ token?: SsoToken; refused: boolean; error?: Error }> {
  debug(`sso token for ${p.name}: refreshing (${secondsLeft(t.expiresAt)} s left) from ${t.file}`);
  const { mod, client } = await oidcClient(loc.region);
  try {
    const out = await client.send(new mod.CreateTokenCommand({
      grantType: 'refresh_token',
      clientId: t.clientId,
      clientSecret: t.clientSecret,
      refreshToken: t.refreshToken,
    }), signal ? { abortSignal: signal } : {});
    if (!out.accessToken) return { refused: true };
    const rec: TokenRecord = {
      // An AWS CLI file keeps its own spelling of the start URL; one read from Atmos's takes ours.
      startUrl: (t.source === 'aws-cli-cache' ? t.startUrl : undefined) ?? loc.startUrl,
      region: t.region ?? loc.region,
      accessToken: out.accessToken,
      expiresAt: new Date(Math.floor(Date.now() / 1000 + (out.expiresIn ?? 3600)) * 1000),
      clientId: t.clientId!,
      clientSecret: t.clientSecret!,
      registrationExpiresAt: t.registrationExpiresAt!,
    };
    const rt = out.refreshToken ?? t.refreshToken;
    if (rt) rec.refreshToken = rt;
    const cliFiles = t.source === 'aws-cli-cache' ? [t.file, loc.primaryFile] : [loc.primaryFile];
    const saved = await saveShared(p, loc, rec, cliFiles, stderr);
    debug(`sso token for ${p.name} refreshed, valid until ${formatTimestamp(rec.expiresAt)}${out.refreshToken ? ' (refresh token rotated)' : ''}`);
    const tok: SsoToken = { accessToken: rec.accessToken, expiresAt: rec.expiresAt, region: rec.region, startUrl: rec.startUrl, refreshable: !!rec.refreshToken, source: 'refresh' };
    if (saved) tok.cacheFile = saved;
    return { token: tok, refused: false };
  } catch (err) {
    const name = errName(err);
    if (REFRESH_REFUSED.has(name)) {
      debug(`sso token refresh for ${p.name} refused: ${name}`);
      return { refused: true };
    }
    debug(`sso token refresh for ${p.name} failed: ${name || (err as Error).message}`);
    if (isNetworkError(err) || (err as { $metadata?: unknown }).$metadata) return { refused: false, error: mapCommonError(err, 'sso-oidc', 'CreateToken', loc.region) };
    throw err;
  }
}

/**
 * Forgets a token the portal refused (UnauthorizedException): removed from every cache file (the
 * AWS CLI's and Atmos's) that still holds it, and never used again by atmos-auth.
 */
export function dropSsoToken(p: SsoProvider, token: Pick<SsoToken, 'accessToken' | 'expiresAt' | 'cacheFile'>): void {
  markRevoked([token]);
  const loc = locateToken(p);
  for (const f of new Set([token.cacheFile, loc.primaryFile, loc.legacyFile, ...loc.atmosFiles])) {
    if (!f) continue;
    try {
      removeToken(f, token.accessToken);
    } catch (err) {
      debug(`could not remove ${f}: ${(err as Error).message}`);
    }
  }
}

/** Offline: what the caches hold for this provider (for `status`); never touches the network. */
export function peekSsoToken(p: SsoProvider): { expiresAt: Date; refreshable: boolean; cacheFile: string; source: 'aws-cli-cache' | 'atmos-cache' } | null {
  const loc = locateToken(p);
  const list = candidates(p, loc);
  const now = Date.now();
  const best = list.sort((a, b) => {
    const rank = (t: CachedToken) => (t.expiresAt.getTime() > now ? 2 : 0) + (isRefreshable(t, now) ? 1 : 0);
    return rank(b) - rank(a) || b.expiresAt.getTime() - a.expiresAt.getTime();
  })[0];
  if (!best) return null;
  return { expiresAt: best.expiresAt, refreshable: isRefreshable(best, now), cacheFile: best.file, source: best.source };
}

/**
 * Copies the session's longest-valid token into the caches that lack it (e.g. after `aws sso login`
 * or a refresh done by botocore, which write only the AWS CLI file, or a sign-in by Atmos, which
 * writes only its own), so the next tool to look needs no sign-in of its own. A cache keeps its
 * token when that one lasts as long, or when it is refreshable and the newer one is not. Under the
 * session lock; no network. Returns the files written.
 */
export async function shareSsoToken(p: SsoProvider, stderr: NodeJS.WritableStream = process.stderr): Promise<string[]> {
  const loc = locateToken(p);
  return withLock(`sso-session ${loc.primaryFile}`, async () => {
    const all = candidates(p, loc);
    const best = freshest(all, USABLE_MARGIN_MS);
    if (!best) return [];
    const rec: TokenRecord = { startUrl: loc.startUrl, region: loc.region, accessToken: best.accessToken, expiresAt: best.expiresAt };
    if (best.refreshToken) rec.refreshToken = best.refreshToken;
    if (best.clientId) rec.clientId = best.clientId;
    if (best.clientSecret) rec.clientSecret = best.clientSecret;
    if (best.registrationExpiresAt) rec.registrationExpiresAt = best.registrationExpiresAt;
    const lacks = (file: string | undefined) => {
      if (!file) return false;
      const held = all.find((t) => t.file === file);
      if (!held) return true;
      if (held.expiresAt.getTime() >= best.expiresAt.getTime()) return false;
      return isRefreshable(best) || !isRefreshable(held);
    };
    const written: string[] = [];
    if (lacks(loc.primaryFile) && (await saveShared(p, loc, rec, [loc.primaryFile], stderr, false))) written.push(loc.primaryFile);
    if (lacks(loc.atmosFile) && (await saveShared(p, loc, rec, [], stderr))) written.push(loc.atmosFile!);
    if (written.length) debug(`sso token for ${p.name} from ${best.file} shared with ${written.join(', ')}`);
    return written;
  }, { waitMs: 60_000 });
}

/** Offline: every cache file holding a token of this provider's session (for `status`), freshest first. */
export function peekSsoCaches(p: SsoProvider): { file: string; source: 'aws-cli-cache' | 'atmos-cache'; expiresAt: Date; refreshable: boolean }[] {
  const now = Date.now();
  return candidates(p, locateToken(p))
    .sort((a, b) => b.expiresAt.getTime() - a.expiresAt.getTime())
    .map((t) => ({ file: t.file, source: t.source, expiresAt: t.expiresAt, refreshable: isRefreshable(t, now) }));
}

/**
 * Signs out: portal Logout for each unexpired token of the session, and removes the cache files
 * holding them, the AWS CLI's and Atmos's alike (Atmos's own logout deletes its session file too:
 * sso.go:757-770 Logout -> sso_cache.go:287 deleteCachedToken); when asked, the client
 * registrations as well.
 */
export async function ssoLogout(p: SsoProvider, o: { forgetRegistration?: boolean } = {}): Promise<void> {
  const loc = locateToken(p);
  await withLock(`sso-session ${loc.primaryFile}`, async () => {
    const list = candidates(p, loc);
    const now = Date.now();
    const loggedOut = new Set<string>();
    for (const t of list) {
      if (t.expiresAt.getTime() > now && !loggedOut.has(t.accessToken)) {
        loggedOut.add(t.accessToken);
        try {
          const mod = await loadPortal();
          const client = new mod.SSOClient(baseClientConfig(t.region ?? loc.region));
          await client.send(new mod.LogoutCommand({ accessToken: t.accessToken }));
          debug(`sso portal Logout for ${p.name} done`);
        } catch (err) {
          // Already signed out (UnauthorizedException) or unreachable: removing the file is what matters.
          debug(`sso portal Logout for ${p.name}: ${errName(err) || (err as Error).message}`);
        }
      }
      removeToken(t.file, t.accessToken);
    }
    markRevoked(list.filter((t) => t.expiresAt.getTime() > now));
    if (o.forgetRegistration) removeRegistrations(loc);
  }, { waitMs: 60_000 });
}
