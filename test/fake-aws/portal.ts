// SSO portal (REST-JSON, bearer token in x-amz-sso_bearer_token): GetRoleCredentials,
// ListAccounts, ListAccountRoles (paginated), Logout.
import { AwsError } from './errors.ts';
import { type Ctx, sendJson } from './http.ts';
import { type Session, assumedRoleIdentity, ssoRoleArn } from './state.ts';

const TOKEN_HEADER = 'x-amz-sso_bearer_token';

/** GET /federation/credentials?role_name=&account_id= */
export function getRoleCredentials(ctx: Ctx): void {
  const session = requireSession(ctx);
  const q = ctx.url.searchParams;
  const roleName = q.get('role_name') ?? '';
  const accountId = q.get('account_id') ?? '';
  ctx.entry.accountId = accountId;
  ctx.entry.roleName = roleName;
  if (!roleName || !accountId) throw new AwsError('InvalidRequestException', 'role_name and account_id are required');
  const user = ctx.state.scenario.users.find((u) => u.name === session.user);
  const assigned = user?.assignments.some((a) => a.accountId === accountId && a.roleName === roleName);
  if (!assigned) throw new AwsError('ForbiddenException', 'No access');
  const roleArn = ssoRoleArn(accountId, roleName);
  ctx.entry.roleArn = roleArn;
  const identity = { ...assumedRoleIdentity(roleArn, session.user), user: session.user };
  const c = ctx.state.issueCredentials(identity, ctx.state.scenario.roleCredentialsTtl, { assumedRole: true });
  ctx.entry.accessKeyId = c.accessKeyId;
  sendJson(ctx, {
    roleCredentials: {
      accessKeyId: c.accessKeyId,
      secretAccessKey: c.secretAccessKey,
      sessionToken: c.sessionToken,
      expiration: c.expiresAt,
    },
  });
}

/** GET /assignment/accounts?max_result=&next_token= */
export function listAccounts(ctx: Ctx): void {
  const session = requireSession(ctx);
  const s = ctx.state.scenario;
  const assigned = new Set(userAssignments(ctx, session).map((a) => a.accountId));
  const accounts = s.accounts
    .filter((a) => assigned.has(a.accountId))
    .map((a) => ({ accountId: a.accountId, accountName: a.accountName, ...(a.emailAddress ? { emailAddress: a.emailAddress } : {}) }));
  const page = paginate(ctx, accounts);
  sendJson(ctx, { accountList: page.items, ...(page.nextToken ? { nextToken: page.nextToken } : {}) });
}

/** GET /assignment/roles?account_id=&max_result=&next_token= */
export function listAccountRoles(ctx: Ctx): void {
  const session = requireSession(ctx);
  const accountId = ctx.url.searchParams.get('account_id') ?? '';
  ctx.entry.accountId = accountId;
  if (!accountId) throw new AwsError('InvalidRequestException', 'account_id is required');
  const roles = userAssignments(ctx, session)
    .filter((a) => a.accountId === accountId)
    .map((a) => ({ roleName: a.roleName, accountId: a.accountId }));
  const page = paginate(ctx, roles);
  sendJson(ctx, { roleList: page.items, ...(page.nextToken ? { nextToken: page.nextToken } : {}) });
}

/** POST /logout: ends the session of the token (its access and refresh tokens). */
export function logout(ctx: Ctx): void {
  const token = headerToken(ctx);
  const session = requireSession(ctx);
  ctx.state.revoke({ accessToken: token });
  ctx.entry.user = session.user;
  sendJson(ctx, undefined);
}

function headerToken(ctx: Ctx): string | undefined {
  const v = ctx.req.headers[TOKEN_HEADER];
  return Array.isArray(v) ? v[0] : v;
}

function requireSession(ctx: Ctx): Session {
  const session = ctx.state.sessionOf(headerToken(ctx));
  if (!session) throw new AwsError('UnauthorizedException', 'Session token not found or invalid');
  ctx.entry.user = session.user;
  return session;
}

function userAssignments(ctx: Ctx, session: Session) {
  return ctx.state.scenario.users.find((u) => u.name === session.user)?.assignments ?? [];
}

// next_token is an opaque cursor: base64 of the offset.
function paginate<T>(ctx: Ctx, all: T[]): { items: T[]; nextToken?: string } {
  const q = ctx.url.searchParams;
  const asked = q.get('max_result');
  const max = asked === null ? Infinity : Number(asked);
  if (asked !== null && (!Number.isInteger(max) || max < 1 || max > 100)) {
    throw new AwsError('InvalidRequestException', 'max_result must be an integer from 1 to 100');
  }
  const size = Math.min(max, ctx.state.scenario.pageSize);
  let start = 0;
  const token = q.get('next_token');
  if (token) {
    const m = /^offset:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
    if (!m) throw new AwsError('InvalidRequestException', 'Invalid next_token');
    start = Number(m[1]);
  }
  const items = all.slice(start, start + size);
  const next = start + size;
  return next < all.length ? { items, nextToken: Buffer.from(`offset:${next}`).toString('base64url') } : { items };
}
