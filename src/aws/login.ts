/**
 * The two interactive SSO logins, both as the AWS CLI v2 performs them (awscli/botocore/utils.py
 * SSOTokenFetcherAuth and SSOTokenFetcher):
 * - authorization code with PKCE: a client registered for authorization_code + refresh_token with
 *   redirect `http://127.0.0.1/oauth/callback`, a loopback listener on a random port, an S256
 *   challenge and a random state, the browser sent to `<oidc endpoint>/authorize?...`;
 * - device authorization: print the verification URL and code, poll CreateToken at `interval`
 *   (+5 s on SlowDownException) until confirmed or expired.
 * Secrets (code verifier, client secret, tokens) are never printed; the URLs carry none.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { debug } from '../log.ts';
import { openBrowser } from './browser.ts';
import { baseClientConfig, endpointOf, errName, loadOidc, mapCommonError } from './client.ts';
import { LoginCancelledError, LoginFailedError } from './errors.ts';
import { readRegistration, saveRegistration, type GrantKind, type Registration, type TokenLocation } from './token-cache.ts';

/** What a successful login yields (not yet written anywhere). */
export interface LoginResult {
  accessToken: string;
  expiresAt: Date;
  refreshToken?: string;
  registration: Registration;
}

export interface LoginContext {
  providerName: string;
  loc: TokenLocation;
  stderr: NodeJS.WritableStream;
  signal?: AbortSignal;
  /** Overall deadline for the person to finish, ms (default 10 min). */
  timeoutMs?: number;
}

const REDIRECT_NO_PORT = 'http://127.0.0.1/oauth/callback';
const DEFAULT_SCOPE = 'sso:account:access';
type OidcModule = Awaited<ReturnType<typeof loadOidc>>;
type OidcClient = InstanceType<OidcModule['SSOOIDCClient']>;

/** An OIDC client for the SSO region; OIDC calls are unsigned, so it never looks for credentials. */
export async function oidcClient(region: string): Promise<{ mod: OidcModule; client: OidcClient }> {
  const mod = await loadOidc();
  return { mod, client: new mod.SSOOIDCClient(baseClientConfig(region)) };
}

function scopesOf(loc: TokenLocation): string[] {
  return loc.registrationScopes?.length ? loc.registrationScopes : [DEFAULT_SCOPE];
}

/** A valid registration of the given kind: cached, or a new RegisterClient (then cached). */
async function registration(ctx: LoginContext, mod: OidcModule, client: OidcClient, kind: GrantKind): Promise<Registration> {
  const cached = readRegistration(ctx.loc, kind);
  if (cached) return cached;
  const clientName = `atmos-auth-${ctx.loc.sessionName ?? ctx.providerName}`;
  const input = kind === 'authorization_code'
    ? { clientName, clientType: 'public', grantTypes: ['authorization_code', 'refresh_token'], redirectUris: [REDIRECT_NO_PORT], issuerUrl: ctx.loc.startUrl, scopes: scopesOf(ctx.loc) }
    : { clientName, clientType: 'public', scopes: scopesOf(ctx.loc) };
  debug(`sso RegisterClient (${kind}) for ${ctx.loc.startUrl}`);
  let out;
  try {
    out = await client.send(new mod.RegisterClientCommand(input), { abortSignal: ctx.signal });
  } catch (err) {
    throw mapCommonError(err, 'sso-oidc', 'RegisterClient', ctx.loc.region);
  }
  if (!out.clientId || !out.clientSecret) throw new LoginFailedError('IAM Identity Center returned an incomplete client registration (sso-oidc:RegisterClient)', { hint: 'try the login again; ATMOS_LOGS_LEVEL=debug shows the exchange' });
  const reg: Registration = {
    clientId: out.clientId,
    clientSecret: out.clientSecret,
    expiresAt: new Date((out.clientSecretExpiresAt ?? Math.floor(Date.now() / 1000) + 90 * 86400) * 1000),
    scopes: input.scopes,
  };
  if (kind === 'authorization_code') reg.grantTypes = ['authorization_code', 'refresh_token'];
  try {
    await saveRegistration(ctx.loc, kind, reg);
  } catch (err) {
    debug(`could not cache the client registration: ${(err as Error).message}`);
  }
  return reg;
}

/** The OIDC endpoint's origin, where the un-modelled /authorize page lives (as the AWS CLI derives it). */
async function authorizeBase(client: OidcClient, region: string): Promise<string> {
  const ep = endpointOf('sso-oidc', region);
  if (ep.overridden) return new URL(ep.url).origin;
  try {
    // The SDK's own rules know the partitions (e.g. amazonaws.com.cn).
    const provider = (client.config as unknown as { endpointProvider: (p: Record<string, unknown>) => { url: URL } }).endpointProvider;
    return provider({ Region: region, UseFIPS: false, UseDualStack: false }).url.origin;
  } catch {
    return new URL(ep.url).origin;
  }
}

/** An AbortSignal that fires on the caller's signal, on Ctrl-C, or at the deadline. */
function loginSignal(ctx: LoginContext): { signal: AbortSignal; done: () => void } {
  const ac = new AbortController();
  const onSigint = () => ac.abort(new LoginCancelledError('login cancelled'));
  const onOuter = () => ac.abort(new LoginCancelledError('login cancelled'));
  const timeoutMs = ctx.timeoutMs ?? 10 * 60_000;
  const timer = setTimeout(() => ac.abort(new LoginCancelledError(`login not completed within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
  timer.unref();
  process.once('SIGINT', onSigint);
  if (ctx.signal) {
    if (ctx.signal.aborted) onOuter();
    else ctx.signal.addEventListener('abort', onOuter, { once: true });
  }
  return {
    signal: ac.signal,
    done: () => {
      clearTimeout(timer);
      process.removeListener('SIGINT', onSigint);
      ctx.signal?.removeEventListener('abort', onOuter);
    },
  };
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new LoginCancelledError('login cancelled');
}

/** Percent-encoding as Python's urllib quote (safe '-_.~'): spaces become %20, not '+'. */
function query(params: Record<string, string>): string {
  return Object.entries(params).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`).join('&');
}

const CLOSE_PAGE = (ok: boolean, msg: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>atmos-auth</title></head><body style="font-family:sans-serif;margin:3em">` +
  `<h2>${ok ? 'atmos-auth: signed in' : 'atmos-auth: sign-in failed'}</h2><p>${msg}</p><p>You can close this window.</p></body></html>`;

/** Authorization code + PKCE login through the browser and a loopback listener. */
export async function loginWithPkce(ctx: LoginContext): Promise<LoginResult> {
  const { mod, client } = await oidcClient(ctx.loc.region);
  const reg = await registration(ctx, mod, client, 'authorization_code');
  const verifier = randomBytes(48).toString('base64url'); // 64 chars of [A-Za-z0-9-_]
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const state = randomUUID();
  const { signal, done } = loginSignal(ctx);

  let settle!: { ok: (v: { code: string }) => void; fail: (e: Error) => void };
  const callback = new Promise<{ code: string }>((ok, fail) => (settle = { ok, fail }));
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'GET' || u.pathname !== '/oauth/callback') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const err = u.searchParams.get('error');
    const code = u.searchParams.get('code');
    const gotState = u.searchParams.get('state');
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.setHeader('connection', 'close');
    if (err) {
      res.writeHead(200).end(CLOSE_PAGE(false, 'The sign-in was not completed.'));
      settle.fail(new LoginFailedError(`sign-in was refused: ${err.replace(/[^\w.-]/g, '').slice(0, 80)}`, { hint: 'run the login again; if it keeps failing, ask your IAM Identity Center administrator' }));
    } else if (!code || gotState !== state) {
      res.writeHead(400).end(CLOSE_PAGE(false, 'Unexpected answer (state mismatch).'));
      settle.fail(new LoginFailedError('sign-in answer did not match this login (state mismatch); try again'));
    } else {
      res.writeHead(200).end(CLOSE_PAGE(true, 'Return to your terminal.'));
      settle.ok({ code });
    }
  });
  try {
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(0, '127.0.0.1', () => ok());
    });
    const port = (server.address() as AddressInfo).port;
    const redirectUri = `http://127.0.0.1:${port}/oauth/callback`;
    const base = await authorizeBase(client, ctx.loc.region);
    const url = `${base}/authorize?${query({
      response_type: 'code',
      client_id: reg.clientId,
      redirect_uri: redirectUri,
      state,
      code_challenge_method: 'S256',
      scopes: scopesOf(ctx.loc).join(' '),
    })}&code_challenge=${challenge}`;
    ctx.stderr.write(
      `atmos-auth: signing in to ${ctx.loc.startUrl} (provider ${ctx.providerName}).\n` +
      `Opening your browser. If it does not open, visit this URL on this machine:\n\n  ${url}\n\n` +
      `(On another device, use: atmos-auth login --provider ${ctx.providerName} --device-code)\n`,
    );
    debug(`sso login (authorization code + PKCE), callback on 127.0.0.1:${port}`);
    await openBrowser(url);
    const aborted = new Promise<never>((_, fail) => {
      if (signal.aborted) fail(abortReason(signal));
      signal.addEventListener('abort', () => fail(abortReason(signal)), { once: true });
    });
    const { code } = await Promise.race([callback, aborted]);
    let out;
    try {
      out = await client.send(new mod.CreateTokenCommand({
        grantType: 'authorization_code',
        clientId: reg.clientId,
        clientSecret: reg.clientSecret,
        redirectUri,
        codeVerifier: verifier,
        code,
      }), { abortSignal: signal });
    } catch (err) {
      if (signal.aborted) throw abortReason(signal);
      const name = errName(err);
      if (name === 'InvalidGrantException' || name === 'ExpiredTokenException' || name === 'AccessDeniedException' || name === 'InvalidRequestException') {
        throw new LoginFailedError(`IAM Identity Center refused the sign-in (${name}); try again`, { cause: err });
      }
      throw mapCommonError(err, 'sso-oidc', 'CreateToken', ctx.loc.region);
    }
    return tokenResult(out, reg);
  } finally {
    done();
    server.closeAllConnections?.();
    server.close();
  }
}

function tokenResult(out: { accessToken?: string; expiresIn?: number; refreshToken?: string }, reg: Registration): LoginResult {
  if (!out.accessToken) throw new LoginFailedError('IAM Identity Center returned no access token (sso-oidc:CreateToken)', { hint: 'try the login again; ATMOS_LOGS_LEVEL=debug shows the exchange' });
  const r: LoginResult = {
    accessToken: out.accessToken,
    // Whole seconds, as the cache file stores it, so every reader sees the same expiry.
    expiresAt: new Date(Math.floor(Date.now() / 1000 + (out.expiresIn ?? 3600)) * 1000),
    registration: reg,
  };
  if (out.refreshToken) r.refreshToken = out.refreshToken;
  return r;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((ok, fail) => {
    if (signal.aborted) return fail(abortReason(signal));
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      ok();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      fail(abortReason(signal));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Device authorization login: show URL and code, poll until confirmed. */
export async function loginWithDeviceCode(ctx: LoginContext, opts: { openBrowser: boolean }): Promise<LoginResult> {
  const { mod, client } = await oidcClient(ctx.loc.region);
  const reg = await registration(ctx, mod, client, 'device_code');
  let auth;
  try {
    auth = await client.send(new mod.StartDeviceAuthorizationCommand({ clientId: reg.clientId, clientSecret: reg.clientSecret, startUrl: ctx.loc.startUrl }), { abortSignal: ctx.signal });
  } catch (err) {
    throw mapCommonError(err, 'sso-oidc', 'StartDeviceAuthorization', ctx.loc.region);
  }
  if (!auth.deviceCode) throw new LoginFailedError('IAM Identity Center returned no device code (sso-oidc:StartDeviceAuthorization)', { hint: 'try again, or sign in through the browser: atmos-auth login without --device-code' });
  const url = auth.verificationUriComplete ?? auth.verificationUri ?? '';
  ctx.stderr.write(
    `atmos-auth: signing in to ${ctx.loc.startUrl} (provider ${ctx.providerName}).\n` +
    `Open this URL in a browser on any device and confirm the code ${auth.userCode ?? ''}:\n\n  ${url}\n\n`,
  );
  debug('sso login (device authorization)');
  if (opts.openBrowser && url) await openBrowser(url);
  const { signal, done } = loginSignal({ ...ctx, timeoutMs: Math.min(ctx.timeoutMs ?? 10 * 60_000, (auth.expiresIn ?? 600) * 1000) });
  let interval = Math.max(1, auth.interval ?? 5);
  try {
    for (;;) {
      await sleep(interval * 1000, signal);
      try {
        const out = await client.send(new mod.CreateTokenCommand({
          grantType: 'urn:ietf:params:oauth:grant-type:device_code',
          clientId: reg.clientId,
          clientSecret: reg.clientSecret,
          deviceCode: auth.deviceCode,
        }), { abortSignal: signal });
        return tokenResult(out, reg);
      } catch (err) {
        if (signal.aborted) throw abortReason(signal);
        const name = errName(err);
        if (name === 'AuthorizationPendingException') continue;
        if (name === 'SlowDownException') {
          interval += 5;
          debug(`device flow: slow down, polling every ${interval} s`);
          continue;
        }
        if (name === 'ExpiredTokenException') throw new LoginFailedError('the device code expired before it was confirmed', { hint: `start again: atmos-auth login --provider ${ctx.providerName} --device-code`, cause: err });
        if (name === 'AccessDeniedException') throw new LoginFailedError('the sign-in was denied in the browser', { hint: 'run the login again and choose Allow', cause: err });
        throw mapCommonError(err, 'sso-oidc', 'CreateToken', ctx.loc.region);
      }
    }
  } catch (err) {
    if (err instanceof LoginCancelledError && /within/.test(err.message)) {
      throw new LoginFailedError('the device code expired before it was confirmed', { hint: `start again: atmos-auth login --provider ${ctx.providerName} --device-code` });
    }
    throw err;
  } finally {
    done();
  }
}
