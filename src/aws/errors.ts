/**
 * Typed errors of the network layer. Each says what went wrong in the user's terms (identity,
 * permission set, account, endpoint) and the one thing to do. AWS SDK exceptions are mapped by
 * their `name`, never by message text, so SDK upgrades do not silently change the mapping.
 */
import { AtmosAuthError } from '../errors.ts';

/** Who was asking, so that an error can name it. All optional; absent parts are left out. */
export interface ErrorContext {
  identity?: string;
  profile?: string;
  permissionSet?: string;
  accountName?: string;
  accountId?: string;
  roleArn?: string;
}

/** "identity X (profile P)" or "" when nothing is known. */
function who(ctx?: ErrorContext): string {
  if (!ctx) return '';
  const parts: string[] = [];
  if (ctx.identity) parts.push(`identity ${ctx.identity}`);
  if (ctx.profile) parts.push(`profile ${ctx.profile}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

/** "core-auto (100000000002)" or whichever part is known. */
export function accountLabel(ctx?: ErrorContext): string {
  if (ctx?.accountName && ctx.accountId) return `${ctx.accountName} (${ctx.accountId})`;
  return ctx?.accountName ?? ctx?.accountId ?? 'the account';
}

/** An SSO login is needed but was not allowed (policy) or is impossible (no terminal). */
export class LoginRequiredError extends AtmosAuthError {
  /** The command that fixes it, e.g. `atmos-auth login --provider acme-sso`. */
  readonly command: string;
  constructor(message: string, command: string) {
    super(message, { hint: `run: ${command}` });
    this.command = command;
  }
}

/**
 * Another process holds the SSO session in an interactive login, and this run (the shell hook,
 * --no-login, no terminal) cannot wait minutes for it.
 */
export class LoginInProgressError extends AtmosAuthError {
  constructor(provider: string) {
    super(`another terminal is signing in to ${provider}; once it is done, \`atmos_auth_refresh\` (or the next cd into the repository) picks it up`);
  }
}

/** The login was cancelled (Ctrl-C, AbortSignal) or its deadline passed. */
export class LoginCancelledError extends AtmosAuthError {
  override readonly exitCode: number = 130;
}

/** The login did not complete: denied in the browser, state mismatch, device code expired. */
export class LoginFailedError extends AtmosAuthError {}

/** SSO portal ForbiddenException: the user has no assignment of this permission set on this account. */
export class NoAssignmentError extends AtmosAuthError {
  readonly context: ErrorContext;
  constructor(ctx: ErrorContext, cause?: unknown) {
    const ps = ctx.permissionSet ?? 'the permission set';
    super(`you are not assigned ${ps} on account ${accountLabel(ctx)}${who(ctx)}`, {
      hint: `ask your AWS administrator for ${ps} on ${accountLabel(ctx)} in IAM Identity Center, or pick another identity (--identity / ATMOS_PROFILE)`,
      cause,
    });
    this.context = ctx;
  }
}

/** An account name that ListAccounts does not know (for this user). */
export class AccountNotFoundError extends AtmosAuthError {
  constructor(name: string, known: string[], ctx?: ErrorContext) {
    const list = known.length ? known.slice(0, 12).join(', ') + (known.length > 12 ? ', ...' : '') : 'none';
    super(`no AWS account named "${name}" is visible to you in IAM Identity Center${who(ctx)}`, {
      hint: `accounts you can see: ${list}; fix the account name in the identity or ask for an assignment`,
    });
  }
}

/** SSO portal UnauthorizedException: the access token was revoked or expired server-side. */
export class TokenRevokedError extends AtmosAuthError {
  constructor(provider: string, cause?: unknown) {
    super(`the SSO session of provider ${provider} is no longer valid (signed out or revoked)`, {
      hint: `log in again: atmos-auth login --provider ${provider}`,
      cause,
    });
  }
}

/** STS AccessDenied (and kin) on AssumeRole / AssumeRoleWithWebIdentity. */
export class AssumeRoleDeniedError extends AtmosAuthError {
  constructor(roleArn: string, detail: string, ctx?: ErrorContext, cause?: unknown) {
    super(`not allowed to assume ${roleArn}${who(ctx)}: ${detail}`, {
      hint: "check the role's trust policy and the identity's previous hop (its principal must be trusted)",
      cause,
    });
  }
}

/** GetSessionToken refused: wrong or stale MFA code, or keys not valid. */
export class MfaFailedError extends AtmosAuthError {}

/** IAM user keys rejected by STS (InvalidClientTokenId, SignatureDoesNotMatch). */
export class InvalidKeysError extends AtmosAuthError {}

/** Credentials passed to STS have expired (ExpiredToken). */
export class SourceCredentialsExpiredError extends AtmosAuthError {}

/** Could not reach an endpoint: DNS, refused, reset, or no answer within the deadline. */
export class EndpointUnreachableError extends AtmosAuthError {
  readonly endpoint: string;
  constructor(service: string, endpoint: string, envVar: string, detail: string, cause?: unknown) {
    super(`cannot reach ${service} at ${endpoint}: ${detail}`, {
      hint: `check your network/VPN; the endpoint can be overridden with ${envVar}, the deadline with ATMOS_AUTH_HTTP_TIMEOUT_MS`,
      cause,
    });
    this.endpoint = endpoint;
  }
}

/** Still throttled (429 / ThrottlingException) after the SDK's retries with backoff. */
export class ThrottledError extends AtmosAuthError {
  constructor(service: string, op: string, cause?: unknown) {
    super(`${service} ${op} is throttling requests (still after retries)`, { hint: 'wait a minute and try again', cause });
  }
}

/** Any other error answer from AWS, with its code and status. */
export class AwsRequestError extends AtmosAuthError {
  readonly code: string;
  readonly status?: number;
  constructor(service: string, op: string, code: string, status: number | undefined, message: string, cause?: unknown) {
    super(`${service} ${op} failed: ${code}${status ? ` (HTTP ${status})` : ''}${message ? `: ${message}` : ''}`, {
      hint: 'run the command again with ATMOS_LOGS_LEVEL=debug to see the request and the answer (never a secret)',
      cause,
    });
    this.code = code;
    if (status !== undefined) this.status = status;
  }
}

/** Not running where a GitHub Actions ID token can be requested. */
export class GithubOidcUnavailableError extends AtmosAuthError {}
