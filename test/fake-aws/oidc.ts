// SSO OIDC (REST-JSON): RegisterClient, StartDeviceAuthorization, CreateToken, plus the browser
// side: the /authorize page (authorization code + PKCE) and the /device verification page.
import { createHash, randomInt } from 'node:crypto';
import { AwsError } from './errors.ts';
import { type Ctx, jsonBody, redirect, sendHtml, sendJson, str, strList } from './http.ts';
import { loginUser } from './scenario.ts';
import { type Client, randomToken } from './state.ts';

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const KNOWN_GRANTS = [DEVICE_GRANT, 'authorization_code', 'refresh_token'];

/** POST /client/register */
export function registerClient(ctx: Ctx): void {
  const b = jsonBody(ctx);
  const clientName = str(b, 'clientName');
  const clientType = str(b, 'clientType');
  if (!clientName || !clientType) throw new AwsError('InvalidRequestException', 'clientName and clientType are required');
  if (clientType !== 'public') throw new AwsError('InvalidClientMetadataException', `Invalid client type: ${clientType}`);
  const grantTypes = strList(b, 'grantTypes');
  for (const g of grantTypes ?? []) {
    if (!KNOWN_GRANTS.includes(g)) throw new AwsError('InvalidClientMetadataException', `Invalid grant type: ${g}`);
  }
  const redirectUris = strList(b, 'redirectUris') ?? [];
  const issuerUrl = str(b, 'issuerUrl');
  if (grantTypes?.includes('authorization_code')) {
    if (redirectUris.length === 0) throw new AwsError('InvalidRedirectUriException', 'redirectUris are required for authorization_code');
    for (const u of redirectUris) {
      if (!isLoopback(u)) throw new AwsError('InvalidRedirectUriException', `Invalid redirect URI: ${u}`);
    }
    if (!issuerUrl) throw new AwsError('InvalidRequestException', 'issuerUrl is required for authorization_code');
  }
  const want = ctx.state.scenario.startUrl;
  if (issuerUrl && want && trimSlash(issuerUrl) !== trimSlash(want)) {
    throw new AwsError('InvalidRequestException', `Invalid issuerUrl: ${issuerUrl}`);
  }
  const now = Date.now();
  const client: Client = {
    clientId: randomToken(16),
    clientSecret: 'eyJraWQiOiJrZXktMTU2' + randomToken(120),
    clientName,
    scopes: strList(b, 'scopes') ?? [],
    redirectUris,
    issuedAt: now,
    expiresAt: now + ctx.state.scenario.clientRegistrationTtl * 1000,
    ...(grantTypes ? { grantTypes } : {}),
    ...(issuerUrl ? { issuerUrl } : {}),
  };
  ctx.state.clients.set(client.clientId, client);
  ctx.entry.grantType = grantTypes?.join(',');
  sendJson(ctx, {
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    clientIdIssuedAt: Math.floor(client.issuedAt / 1000),
    clientSecretExpiresAt: Math.floor(client.expiresAt / 1000),
  });
}

/** POST /device_authorization */
export function startDeviceAuthorization(ctx: Ctx): void {
  const b = jsonBody(ctx);
  const client = authClient(ctx, str(b, 'clientId'), str(b, 'clientSecret'));
  const startUrl = str(b, 'startUrl');
  if (!startUrl) throw new AwsError('InvalidRequestException', 'startUrl is required');
  const want = ctx.state.scenario.startUrl;
  if (want && trimSlash(startUrl) !== trimSlash(want)) throw new AwsError('InvalidRequestException', `Invalid start URL: ${startUrl}`);
  if (client.grantTypes && !client.grantTypes.includes(DEVICE_GRANT)) {
    throw new AwsError('UnauthorizedClientException', 'Client is not registered for the device_code grant');
  }
  const s = ctx.state.scenario;
  const userCode = `${letters(4)}-${letters(4)}`;
  const deviceCode = randomToken(48);
  ctx.state.devices.set(deviceCode, {
    deviceCode,
    userCode,
    clientId: client.clientId,
    expiresAt: Date.now() + s.deviceExpiresIn * 1000,
    interval: s.deviceInterval,
    consumed: false,
  });
  sendJson(ctx, {
    deviceCode,
    userCode,
    verificationUri: `${ctx.baseUrl}/device`,
    verificationUriComplete: `${ctx.baseUrl}/device?user_code=${userCode}`,
    expiresIn: s.deviceExpiresIn,
    interval: s.deviceInterval,
  });
}

/** POST /token */
export function createToken(ctx: Ctx): void {
  const b = jsonBody(ctx);
  const grantType = str(b, 'grantType');
  ctx.entry.grantType = grantType;
  const client = authClient(ctx, str(b, 'clientId'), str(b, 'clientSecret'));
  if (!grantType) throw new AwsError('InvalidRequestException', 'grantType is required');
  if (!KNOWN_GRANTS.includes(grantType)) throw new AwsError('UnsupportedGrantTypeException', `Unsupported grant type: ${grantType}`);
  if (client.grantTypes && !client.grantTypes.includes(grantType)) {
    throw new AwsError('UnauthorizedClientException', `Client is not registered for the ${grantType} grant`);
  }
  const st = ctx.state;
  const withRefresh = issuesRefreshTokens(client);
  let tokens: { accessToken: string; refreshToken?: string; expiresIn: number };

  if (grantType === DEVICE_GRANT) {
    const dc = str(b, 'deviceCode');
    const d = dc ? st.devices.get(dc) : undefined;
    if (!d || d.clientId !== client.clientId || d.consumed) throw new AwsError('InvalidGrantException', 'Invalid device code provided');
    const now = Date.now();
    if (d.expiresAt <= now) throw new AwsError('ExpiredTokenException', 'Device code has expired');
    const tooFast = d.lastPoll !== undefined && now - d.lastPoll < d.interval * 1000 - 50;
    d.lastPoll = now;
    if (!d.approvedBy) {
      if (tooFast) throw new AwsError('SlowDownException', 'Client is polling too fast');
      throw new AwsError('AuthorizationPendingException', 'Authorization is still pending');
    }
    d.consumed = true;
    ctx.entry.user = d.approvedBy;
    tokens = st.newSession(d.approvedBy, client, withRefresh);
  } else if (grantType === 'authorization_code') {
    const code = str(b, 'code');
    const redirectUri = str(b, 'redirectUri');
    const verifier = str(b, 'codeVerifier');
    if (!code || !redirectUri || !verifier) throw new AwsError('InvalidRequestException', 'code, redirectUri and codeVerifier are required');
    const c = st.codes.get(code);
    if (!c || c.used || c.clientId !== client.clientId) throw new AwsError('InvalidGrantException', 'Invalid authorization code provided');
    if (c.expiresAt <= Date.now()) throw new AwsError('InvalidGrantException', 'Authorization code has expired');
    if (c.redirectUri !== redirectUri) throw new AwsError('InvalidGrantException', 'Redirect URI does not match the authorization request');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    if (challenge !== c.challenge) throw new AwsError('InvalidGrantException', 'Code verifier does not match the code challenge');
    c.used = true;
    ctx.entry.user = c.user;
    tokens = st.newSession(c.user, client, withRefresh);
  } else {
    const rt = str(b, 'refreshToken');
    const r = rt ? st.refreshTokens.get(rt) : undefined;
    const session = r ? st.sessions.get(r.sessionId) : undefined;
    if (!r || !session || r.clientId !== client.clientId) throw new AwsError('InvalidGrantException', 'Invalid refresh token provided');
    ctx.entry.user = session.user;
    if (r.used) throw new AwsError('InvalidGrantException', 'Refresh token has already been used');
    if (session.revoked) throw new AwsError('InvalidGrantException', 'Refresh token has been revoked');
    if (r.expiresAt <= Date.now()) throw new AwsError('InvalidGrantException', 'Refresh token has expired');
    r.used = true;
    tokens = st.issueTokens(session, true);
  }
  sendJson(ctx, { accessToken: tokens.accessToken, tokenType: 'Bearer', expiresIn: tokens.expiresIn, ...(tokens.refreshToken ? { refreshToken: tokens.refreshToken } : {}) });
}

/** GET /authorize: the page the browser opens; approves as the scenario's user and redirects. */
export function authorize(ctx: Ctx): void {
  const q = ctx.url.searchParams;
  const clientId = q.get('client_id') ?? '';
  const redirectUri = q.get('redirect_uri') ?? '';
  const client = ctx.state.clients.get(clientId);
  // Errors before the redirect URI is trusted go to the browser, never to the redirect URI.
  if (!client || client.expiresAt <= Date.now()) return sendHtml(ctx, 400, 'Invalid client', 'The client_id is not registered.');
  if (!client.grantTypes?.includes('authorization_code')) {
    return sendHtml(ctx, 400, 'Unauthorized client', 'The client is not registered for the authorization_code grant.');
  }
  if (!redirectAllowed(client, redirectUri)) return sendHtml(ctx, 400, 'Invalid redirect URI', 'The redirect_uri is not registered for this client.');
  const back = new URL(redirectUri);
  const state = q.get('state');
  if (state !== null) back.searchParams.set('state', state);
  const fail = (error: string, description: string) => {
    back.searchParams.set('error', error);
    back.searchParams.set('error_description', description);
    redirect(ctx, back.toString());
  };
  if (q.get('response_type') !== 'code') return fail('unsupported_response_type', 'response_type must be code');
  const challenge = q.get('code_challenge');
  if (!challenge) return fail('invalid_request', 'code_challenge is required');
  if (q.get('code_challenge_method') !== 'S256') return fail('invalid_request', 'code_challenge_method must be S256');
  const user = loginUser(ctx.state.scenario);
  if (!user) return fail('access_denied', 'No user can log in');
  const code = randomToken(32);
  ctx.state.codes.set(code, {
    code,
    clientId,
    redirectUri,
    challenge,
    user: user.name,
    expiresAt: Date.now() + ctx.state.scenario.authCodeTtl * 1000,
    used: false,
  });
  ctx.entry.user = user.name;
  back.searchParams.set('code', code);
  // state last, as AWS: ?code=..&state=..
  if (state !== null) {
    back.searchParams.delete('state');
    back.searchParams.set('state', state);
  }
  redirect(ctx, back.toString());
}

/** GET /device[?user_code=X]: with a code, approves it as the scenario's user. */
export function devicePage(ctx: Ctx): void {
  const userCode = ctx.url.searchParams.get('user_code');
  if (!userCode) {
    ctx.entry.op = 'DevicePage';
    ctx.res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    ctx.res.end('<!doctype html><title>Authorize request</title><form method="get" action="device"><input name="user_code"><button>Next</button></form>\n');
    return;
  }
  const now = Date.now();
  const d = [...ctx.state.devices.values()].find((x) => x.userCode.toUpperCase() === userCode.toUpperCase());
  if (!d || d.consumed) return sendHtml(ctx, 400, 'Invalid code', 'This code is not valid.');
  if (d.expiresAt <= now) return sendHtml(ctx, 400, 'Code expired', 'This code has expired; start again.');
  const user = loginUser(ctx.state.scenario);
  if (!user) return sendHtml(ctx, 403, 'Access denied', 'No user can log in.');
  d.approvedBy = user.name;
  ctx.entry.user = user.name;
  sendHtml(ctx, 200, 'Request approved', 'You can close this window.');
}

/** The client of clientId+clientSecret, or InvalidClientException. */
function authClient(ctx: Ctx, clientId: string | undefined, clientSecret: string | undefined): Client {
  if (!clientId || !clientSecret) throw new AwsError('InvalidRequestException', 'clientId and clientSecret are required');
  const c = ctx.state.clients.get(clientId);
  if (!c || c.clientSecret !== clientSecret) throw new AwsError('InvalidClientException', 'Invalid client provided');
  if (c.expiresAt <= Date.now()) throw new AwsError('InvalidClientException', 'Client registration has expired');
  return c;
}

// As IAM Identity Center: refresh tokens only for clients registered with scopes or the refresh
// grant (legacy clients registered with neither get access tokens only).
function issuesRefreshTokens(c: Client): boolean {
  return c.scopes.length > 0 || (c.grantTypes?.includes('refresh_token') ?? false);
}

function isLoopback(u: string): boolean {
  try {
    const x = new URL(u);
    return x.protocol === 'http:' && (x.hostname === '127.0.0.1' || x.hostname === '[::1]' || x.hostname === 'localhost');
  } catch {
    return false;
  }
}

// Loopback redirect URIs match whatever the port (RFC 8252 §7.3): the CLI registers
// http://127.0.0.1/oauth/callback and listens on an ephemeral port.
function redirectAllowed(c: Client, redirectUri: string): boolean {
  if (!isLoopback(redirectUri)) return false;
  const u = new URL(redirectUri);
  return c.redirectUris.some((r) => {
    if (!isLoopback(r)) return false;
    const x = new URL(r);
    return x.hostname === u.hostname && x.pathname === u.pathname;
  });
}

function letters(n: number): string {
  const abc = 'BCDFGHJKLMNPQRSTVWXZ';
  let s = '';
  for (let i = 0; i < n; i++) s += abc[randomInt(abc.length)];
  return s;
}

function trimSlash(s: string): string {
  return s.replace(/\/+$/, '');
}
