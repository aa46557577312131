// The AWS sign-in federation endpoint (https://signin.aws.amazon.com/federation), as the IAM user
// guide "Enabling custom identity broker access to the AWS console" describes it: getSigninToken
// takes the Session JSON of temporary credentials (and SessionDuration only for role sessions
// that long-term IAM user keys assumed); login takes the token once, within 15 minutes, and sends
// the browser to Destination. Errors are plain 400 pages, as AWS answers them.
import { randomToken } from './state.ts';
import { type Ctx, redirect, sendHtml, sendJson } from './http.ts';

const TOKEN_MS = 15 * 60 * 1000;

function bad(ctx: Ctx, why: string): void {
  ctx.entry.errorType = 'BadRequest';
  sendHtml(ctx, 400, 'Bad Request', why);
}

/** GET /federation: Action=getSigninToken or Action=login. */
export function federation(ctx: Ctx): void {
  const q = ctx.url.searchParams;
  const action = q.get('Action');
  ctx.entry.op = action === 'login' ? 'ConsoleLogin' : action === 'getSigninToken' ? 'GetSigninToken' : 'Federation';
  if (action === 'getSigninToken') return getSigninToken(ctx, q);
  if (action === 'login') return login(ctx, q);
  return bad(ctx, 'Action must be getSigninToken or login');
}

function getSigninToken(ctx: Ctx, q: URLSearchParams): void {
  let session: { sessionId?: unknown; sessionKey?: unknown; sessionToken?: unknown };
  try {
    session = JSON.parse(q.get('Session') ?? '') as typeof session;
  } catch {
    return bad(ctx, 'Session is not JSON');
  }
  const creds = typeof session.sessionId === 'string' ? ctx.state.findCredentials(session.sessionId) : undefined;
  if (!creds || creds.secretAccessKey !== session.sessionKey || !creds.sessionToken || creds.sessionToken !== session.sessionToken) {
    return bad(ctx, 'The credentials in Session are not valid temporary credentials');
  }
  ctx.entry.accessKeyId = creds.accessKeyId;
  if (creds.expiresAt !== undefined && creds.expiresAt <= Date.now()) return bad(ctx, 'The credentials in Session have expired');
  if (!creds.assumedRole) return bad(ctx, 'GetSessionToken credentials cannot sign in to the console');
  const raw = q.get('SessionDuration');
  let sessionDuration: number | undefined;
  if (raw !== null) {
    if (!creds.byLongTermKeys) return bad(ctx, 'SessionDuration is valid only for role sessions assumed with long-term IAM user credentials');
    sessionDuration = Number(raw);
    if (!Number.isInteger(sessionDuration) || sessionDuration < 900 || sessionDuration > 43200) return bad(ctx, 'SessionDuration must be 900-43200');
  }
  const token = randomToken(48);
  ctx.state.signinTokens.set(token, { identity: creds.identity, expiresAt: Date.now() + TOKEN_MS, used: false, ...(sessionDuration ? { sessionDuration } : {}) });
  sendJson(ctx, { SigninToken: token });
}

function login(ctx: Ctx, q: URLSearchParams): void {
  const t = ctx.state.signinTokens.get(q.get('SigninToken') ?? '');
  if (!t || t.used || t.expiresAt <= Date.now()) return bad(ctx, 'The sign-in token is not valid, used already, or expired');
  const issuer = q.get('Issuer');
  const destination = q.get('Destination') ?? '';
  if (!issuer) return bad(ctx, 'Issuer is required');
  if (!/^https:\/\/[^/]+/.test(destination)) return bad(ctx, 'Destination must be an https URL');
  t.used = true;
  if (t.identity.roleArn) ctx.entry.roleArn = t.identity.roleArn;
  if (t.identity.user) ctx.entry.user = t.identity.user;
  redirect(ctx, destination);
}
