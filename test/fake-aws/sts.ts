// STS (query protocol: form-encoded Action=..., XML answers): GetCallerIdentity, AssumeRole,
// AssumeRoot, GetSessionToken and AssumeRoleWithWebIdentity. Signed calls are authenticated for real: the
// access key must be known, the session token must match, the SigV4 signature must verify with the
// stored secret, and the credentials must not have expired.
import { AwsError, STS_NS, xmlEscape } from './errors.ts';
import type { Ctx } from './http.ts';
import { verifyJwt, peekJwt } from './jwt.ts';
import { ROOT_TASK_POLICIES, type Role, globMatch } from './scenario.ts';
import { parseAuthorization, parseQueryAuth, verifyPresigned, verifySignature } from './sigv4.ts';
import { type StoredCredentials, assumedRoleIdentity } from './state.ts';

/** The operations this module answers. */
export const STS_ACTIONS = ['GetCallerIdentity', 'AssumeRole', 'AssumeRoot', 'GetSessionToken', 'AssumeRoleWithWebIdentity'];

/** The request parameters: the query string and the form body together. */
export function stsParams(ctx: Ctx): URLSearchParams {
  const p = new URLSearchParams(ctx.url.search);
  const type = ctx.req.headers['content-type'] ?? '';
  if (ctx.body.length && (type === '' || type.startsWith('application/x-www-form-urlencoded'))) {
    for (const [k, v] of new URLSearchParams(ctx.body.toString('utf8'))) p.append(k, v);
  }
  return p;
}

/** Handles one STS call (`params` from stsParams). */
export function handleSts(ctx: Ctx, params: URLSearchParams): void {
  const action = params.get('Action') ?? '';
  switch (action) {
    case 'GetCallerIdentity': {
      const c = authenticate(ctx);
      return reply(ctx, action, { UserId: c.identity.userId, Account: c.identity.account, Arn: c.identity.arn });
    }
    case 'AssumeRole':
      return assumeRole(ctx, params, authenticate(ctx));
    case 'AssumeRoot':
      return assumeRoot(ctx, params, authenticate(ctx));
    case 'GetSessionToken':
      return getSessionToken(ctx, params, authenticate(ctx));
    case 'AssumeRoleWithWebIdentity':
      return assumeRoleWithWebIdentity(ctx, params);
    default:
      throw new AwsError('InvalidAction', `Could not find operation ${action} for version 2011-06-15`);
  }
}

/** The stored credentials of a correctly signed request, else the AWS error. */
function authenticate(ctx: Ctx): StoredCredentials {
  const header = ctx.req.headers.authorization;
  const presigned = header ? undefined : parseQueryAuth(ctx.req.url ?? '/');
  if (presigned) return authenticatePresigned(ctx, presigned);
  if (!header) throw new AwsError('MissingAuthenticationToken', 'Request is missing Authentication Token');
  const auth = parseAuthorization(header);
  if (!auth) throw new AwsError('IncompleteSignature', 'Authorization header requires Credential, SignedHeaders and Signature parameters.');
  ctx.entry.accessKeyId = auth.accessKeyId;
  const creds = ctx.state.findCredentials(auth.accessKeyId);
  const tokenHeader = ctx.req.headers['x-amz-security-token'];
  const token = Array.isArray(tokenHeader) ? tokenHeader[0] : tokenHeader;
  if (!creds || (creds.sessionToken ?? undefined) !== (token || undefined)) {
    throw new AwsError('InvalidClientTokenId', 'The security token included in the request is invalid.');
  }
  if (token && !auth.signedHeaders.includes('x-amz-security-token')) {
    // The SDKs sign it; a request that does not could have had it swapped.
    throw new AwsError('SignatureDoesNotMatch', "'X-Amz-Security-Token' must be a signed header.");
  }
  const why = verifySignature({ method: ctx.req.method ?? 'GET', rawUrl: ctx.req.url ?? '/', headers: ctx.req.headers, body: ctx.body }, auth, creds.secretAccessKey, 'sts');
  if (why) throw new AwsError('SignatureDoesNotMatch', why);
  if (creds.expiresAt !== undefined && creds.expiresAt <= Date.now()) {
    throw new AwsError('ExpiredToken', 'The security token included in the request is expired');
  }
  if (creds.identity.user) ctx.entry.user = creds.identity.user;
  else if (creds.identity.iamUser) ctx.entry.user = creds.identity.iamUser;
  return creds;
}

/** A presigned GET (the EKS token's GetCallerIdentity URL): the same checks, from the query. */
function authenticatePresigned(ctx: Ctx, auth: NonNullable<ReturnType<typeof parseQueryAuth>>): StoredCredentials {
  ctx.entry.accessKeyId = auth.accessKeyId;
  const creds = ctx.state.findCredentials(auth.accessKeyId);
  if (!creds || (creds.sessionToken ?? undefined) !== auth.securityToken) throw new AwsError('InvalidClientTokenId', 'The security token included in the request is invalid.');
  const why = verifyPresigned({ method: ctx.req.method ?? 'GET', rawUrl: ctx.req.url ?? '/', headers: ctx.req.headers, body: ctx.body }, auth, creds.secretAccessKey, 'sts');
  if (why) throw new AwsError('SignatureDoesNotMatch', why);
  if (creds.expiresAt !== undefined && creds.expiresAt <= Date.now()) throw new AwsError('ExpiredToken', 'The security token included in the request is expired');
  if (creds.identity.user) ctx.entry.user = creds.identity.user;
  return creds;
}

function assumeRole(ctx: Ctx, p: URLSearchParams, caller: StoredCredentials): void {
  const roleArn = required(p, 'RoleArn');
  const sessionName = sessionNameOf(p);
  ctx.entry.roleArn = roleArn;
  const denied = new AwsError('AccessDenied', `User: ${caller.identity.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`);
  const role = ctx.state.scenario.roles.find((r) => r.arn === roleArn);
  if (!role || !trusts(role, caller)) throw denied;
  if (role.externalId !== undefined && p.get('ExternalId') !== role.externalId) throw denied;
  let mfa = caller.mfa;
  if (p.get('SerialNumber') || p.get('TokenCode')) {
    checkMfa(ctx, caller, p);
    mfa = true;
  }
  if (role.requireMfa && !mfa) throw denied;
  const duration = durationOf(p, 3600, role.maxSessionDuration ?? 3600, ctx);
  if (caller.assumedRole && duration > 3600) {
    throw new AwsError('ValidationError', 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');
  }
  const identity = { ...assumedRoleIdentity(roleArn, sessionName), ...(caller.identity.user ? { user: caller.identity.user } : {}) };
  const c = ctx.state.issueCredentials(identity, duration, { mfa, assumedRole: true, byLongTermKeys: !caller.sessionToken });
  ctx.entry.accessKeyId = c.accessKeyId;
  reply(ctx, 'AssumeRole', {
    Credentials: credentialsXml(c),
    AssumedRoleUser: { AssumedRoleId: identity.userId, Arn: identity.arn },
  });
}

// AssumeRoot (API reference, STS 2011-06-15): TargetPrincipal (a member account id), TaskPolicyArn.arn
// (an AWS-managed root task policy), DurationSeconds (at most 900, default 900). The answer holds
// Credentials and SourceIdentity; the session is the member account's root, scoped to the task.
function assumeRoot(ctx: Ctx, p: URLSearchParams, caller: StoredCredentials): void {
  const target = required(p, 'TargetPrincipal');
  const policy = p.get('TaskPolicyArn.arn');
  ctx.entry.callerArn = caller.identity.arn;
  ctx.entry.accountId = target;
  if (policy) ctx.entry.taskPolicyArn = policy;
  if (!policy) {
    throw new AwsError('ValidationError', "1 validation error detected: Value null at 'taskPolicyArn' failed to satisfy constraint: Member must not be null");
  }
  if (target.length < 12) {
    throw new AwsError('ValidationError', `1 validation error detected: Value '${target}' at 'targetPrincipal' failed to satisfy constraint: Member must have length greater than or equal to 12`);
  }
  if (!/^\d{12}$/.test(target)) throw new AwsError('ValidationError', `The target principal ${target} is not a valid account id.`);
  if (!ROOT_TASK_POLICIES.includes(policy)) throw new AwsError('ValidationError', `The task policy ${policy} is not a supported root task policy.`);
  let duration = 900;
  const raw = p.get('DurationSeconds');
  if (raw !== null) {
    const d = Number(raw);
    if (!Number.isInteger(d) || d < 0 || d > 900) {
      throw new AwsError('ValidationError', `1 validation error detected: Value '${raw}' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 900`);
    }
    duration = d;
    ctx.entry.durationSeconds = d;
  }
  const ra = ctx.state.scenario.rootAccess;
  const id = caller.identity;
  const allowed = !id.arn.endsWith(':root') && ra.callers.some((pattern) => globMatch(pattern, id.arn) || (id.roleArn !== undefined && globMatch(pattern, id.roleArn)));
  if (!allowed || !ra.members.includes(target)) {
    throw new AwsError('AccessDenied', `User: ${id.arn} is not authorized to perform: sts:AssumeRoot on resource: arn:aws:iam::${target}:root`);
  }
  const identity = { arn: `arn:aws:iam::${target}:root`, account: target, userId: target, ...(id.user ? { user: id.user } : {}) };
  const c = ctx.state.issueCredentials(identity, duration);
  reply(ctx, 'AssumeRoot', { Credentials: credentialsXml(c), SourceIdentity: '' });
}

function getSessionToken(ctx: Ctx, p: URLSearchParams, caller: StoredCredentials): void {
  if (caller.sessionToken || !caller.identity.iamUser) {
    throw new AwsError('AccessDenied', 'Cannot call GetSessionToken with session credentials');
  }
  const duration = durationOf(p, 43200, 129600, ctx);
  let mfa = false;
  if (p.get('SerialNumber') || p.get('TokenCode')) {
    checkMfa(ctx, caller, p);
    mfa = true;
  }
  const c = ctx.state.issueCredentials(caller.identity, duration, { mfa });
  ctx.entry.accessKeyId = c.accessKeyId;
  reply(ctx, 'GetSessionToken', { Credentials: credentialsXml(c) });
}

function checkMfa(ctx: Ctx, caller: StoredCredentials, p: URLSearchParams): void {
  const serial = p.get('SerialNumber');
  const code = p.get('TokenCode');
  if (!serial || !code) throw new AwsError('AccessDenied', 'MultiFactorAuthentication failed, both SerialNumber and TokenCode are required.');
  if (!/^\d{6}$/.test(code)) {
    throw new AwsError('ValidationError', "1 validation error detected: Value at 'tokenCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\d]*");
  }
  const user = ctx.state.scenario.iamUsers.find((u) => u.userName === caller.identity.iamUser && u.accountId === caller.identity.account);
  if (!user?.mfaSerial || user.mfaSerial !== serial) {
    throw new AwsError('AccessDenied', 'MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA serial number is valid and associated with this user.');
  }
  if (code !== user.mfaCode) throw new AwsError('AccessDenied', 'MultiFactorAuthentication failed with invalid MFA one time pass code.');
}

function assumeRoleWithWebIdentity(ctx: Ctx, p: URLSearchParams): void {
  const roleArn = required(p, 'RoleArn');
  const sessionName = sessionNameOf(p);
  const token = required(p, 'WebIdentityToken');
  ctx.entry.roleArn = roleArn;
  const gh = ctx.state.scenario.github;
  const claims = verifyJwt(token, ctx.state.jwtSecret);
  if (!claims) {
    const iss = peekJwt(token)?.iss;
    if (typeof iss === 'string' && iss !== gh.issuer) throw new AwsError('InvalidIdentityToken', `No OpenIDConnect provider found in your account for ${iss}`);
    throw new AwsError('InvalidIdentityToken', "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements");
  }
  if (claims.iss !== gh.issuer) throw new AwsError('InvalidIdentityToken', `No OpenIDConnect provider found in your account for ${String(claims.iss)}`);
  const exp = typeof claims.exp === 'number' ? claims.exp * 1000 : 0;
  if (exp <= Date.now()) {
    throw new AwsError('ExpiredTokenException', `Token expired: current date/time ${Math.floor(Date.now() / 1000)} must be before the expiration date/time${Math.floor(exp / 1000)}`);
  }
  const sub = typeof claims.sub === 'string' ? claims.sub : '';
  ctx.entry.user = sub;
  const denied = new AwsError('AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity');
  const role = ctx.state.scenario.roles.find((r) => r.arn === roleArn);
  if (!role?.webIdentity) throw denied;
  const auds = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!auds.includes(role.webIdentity.audience)) throw new AwsError('InvalidIdentityToken', 'Incorrect token audience');
  if (!globMatch(role.webIdentity.subjectPattern, sub)) throw denied;
  const duration = durationOf(p, 3600, role.maxSessionDuration ?? 3600);
  const identity = assumedRoleIdentity(roleArn, sessionName);
  const c = ctx.state.issueCredentials(identity, duration, { assumedRole: true });
  ctx.entry.accessKeyId = c.accessKeyId;
  reply(ctx, 'AssumeRoleWithWebIdentity', {
    Credentials: credentialsXml(c),
    SubjectFromWebIdentityToken: sub,
    AssumedRoleUser: { AssumedRoleId: identity.userId, Arn: identity.arn },
    Provider: gh.issuer,
    Audience: role.webIdentity.audience,
  });
}

// A role trusts a principal pattern that matches the caller's ARN, the role behind an assumed-role
// session (as IAM evaluates role principals), or `arn:aws:iam::ACCT:root` for the caller's account.
function trusts(role: Role, caller: StoredCredentials): boolean {
  const id = caller.identity;
  const candidates = [id.arn];
  if (id.roleArn) candidates.push(id.roleArn);
  return role.trust.some((pattern) =>
    pattern === '*' || pattern === `arn:aws:iam::${id.account}:root` || candidates.some((c) => globMatch(pattern, c)),
  );
}

function required(p: URLSearchParams, name: string): string {
  const v = p.get(name);
  if (!v) {
    const member = name[0]!.toLowerCase() + name.slice(1);
    throw new AwsError('ValidationError', `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`);
  }
  return v;
}

function sessionNameOf(p: URLSearchParams): string {
  const name = required(p, 'RoleSessionName');
  if (!/^[\w+=,.@-]{2,64}$/.test(name)) {
    throw new AwsError('ValidationError', `1 validation error detected: Value '${name}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`);
  }
  return name;
}

function durationOf(p: URLSearchParams, dflt: number, max: number, ctx?: Ctx): number {
  const raw = p.get('DurationSeconds');
  if (ctx && raw !== null) ctx.entry.durationSeconds = Number(raw);
  if (raw === null) return Math.min(dflt, max);
  const d = Number(raw);
  if (!Number.isInteger(d) || d < 900) {
    throw new AwsError('ValidationError', `1 validation error detected: Value '${raw}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900`);
  }
  if (d > max) throw new AwsError('ValidationError', 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
  return d;
}

function credentialsXml(c: StoredCredentials): Record<string, string> {
  return {
    AccessKeyId: c.accessKeyId,
    SecretAccessKey: c.secretAccessKey,
    SessionToken: c.sessionToken ?? '',
    Expiration: new Date(c.expiresAt ?? 0).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
}

type XmlTree = { [k: string]: string | XmlTree };

function toXml(tree: XmlTree, indent: string): string {
  return Object.entries(tree)
    .map(([k, v]) => (typeof v === 'string' ? `${indent}<${k}>${xmlEscape(v)}</${k}>\n` : `${indent}<${k}>\n${toXml(v, indent + '  ')}${indent}</${k}>\n`))
    .join('');
}

function reply(ctx: Ctx, action: string, result: XmlTree): void {
  const body =
    `<${action}Response xmlns="${STS_NS}">\n  <${action}Result>\n${toXml(result, '    ')}  </${action}Result>\n` +
    `  <ResponseMetadata>\n    <RequestId>${ctx.requestId}</RequestId>\n  </ResponseMetadata>\n</${action}Response>\n`;
  ctx.res.writeHead(200, { 'content-type': 'text/xml', 'x-amzn-RequestId': ctx.requestId });
  ctx.res.end(body);
}
