/**
 * AWS console sign-in by federation, as `atmos auth console` does it (cloudposse/atmos
 * pkg/auth/cloud/aws/console.go:72-130 GetConsoleURL, 203-250 getSigninToken): the session
 * credentials go to the sign-in endpoint's `getSigninToken`, and the token it returns goes into a
 * `login` URL with `Issuer` and `Destination`. There is no SDK client for this endpoint; it is a
 * plain HTTPS GET, with the same deadline as every other call (ATMOS_AUTH_HTTP_TIMEOUT_MS).
 *
 * `SessionDuration` is never sent, as in Atmos (console.go:207-211): AWS accepts it only for role
 * sessions that an IAM user's long-term keys assumed, and every atmos-auth chain yields SSO role
 * sessions, chained roles or MFA session credentials, for which AWS answers 400. The console
 * session then lasts as long as the credentials do.
 *
 * The endpoint honours AWS_ENDPOINT_URL_SIGNIN (the SDKs' AWS_ENDPOINT_URL_<SERVICE> convention),
 * then AWS_ENDPOINT_URL; GovCloud and China regions get their partition's sign-in host.
 */
import type { AwsCredentials } from '../credentials/types.ts';
import { AtmosAuthError } from '../errors.ts';
import { debug } from '../log.ts';
import { httpTimeouts } from './client.ts';
import { AwsRequestError, EndpointUnreachableError } from './errors.ts';

const LABEL = 'the AWS sign-in federation endpoint';
const ENV_VAR = 'AWS_ENDPOINT_URL_SIGNIN';

/** Base URL of the sign-in service for a region (no path). */
export function signinEndpoint(region: string | null | undefined): string {
  const ignore = (process.env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ?? '').toLowerCase() === 'true';
  const configured = ignore ? undefined : process.env[ENV_VAR] || process.env.AWS_ENDPOINT_URL;
  if (configured) return configured.replace(/\/+$/, '');
  const r = region ?? '';
  if (r.startsWith('us-gov-')) return 'https://signin.amazonaws-us-gov.com';
  if (r.startsWith('cn-')) return 'https://signin.amazonaws.cn';
  return 'https://signin.aws.amazon.com';
}

/** The credentials cannot sign in to the console (no session token: long-term IAM user keys). */
export class ConsoleCredentialsError extends AtmosAuthError {}

/** What consoleLoginUrl needs besides the credentials. */
export interface ConsoleLoginOptions {
  /** The page to land on (a full URL: see console-destinations.ts). */
  destination: string;
  /** Shown by AWS as where the sign-in came from (Atmos's default is "atmos"). */
  issuer: string;
  region: string | null;
}

/**
 * The one-time console login URL for `creds`. The URL carries a sign-in token, which is a secret
 * for its 15 minutes: callers print it only when asked (`--print-only`) and hand it to a browser
 * without putting it in an argv.
 */
export async function consoleLoginUrl(creds: AwsCredentials, o: ConsoleLoginOptions): Promise<string> {
  if (!creds.sessionToken) {
    throw new ConsoleCredentialsError('the AWS console needs temporary session credentials, and these are long-term IAM user keys', {
      hint: 'use an identity that assumes a role (aws/assume-role via the user, an SSO permission set) for the console',
    });
  }
  const base = `${signinEndpoint(o.region)}/federation`;
  const session = JSON.stringify({ sessionId: creds.accessKeyId, sessionKey: creds.secretAccessKey, sessionToken: creds.sessionToken });
  const tokenUrl = `${base}?${new URLSearchParams({ Action: 'getSigninToken', Session: session })}`;
  debug(`console: getSigninToken at ${base} (session ${session.length} chars, not shown)`);
  const { requestTimeout } = httpTimeouts();
  let res: Response;
  try {
    res = await fetch(tokenUrl, { signal: AbortSignal.timeout(requestTimeout), redirect: 'error' });
  } catch (err) {
    const e = err as { name?: string; cause?: { code?: string } };
    const detail = e.name === 'TimeoutError' ? `no answer within ${requestTimeout} ms` : (e.cause?.code ?? e.name ?? 'network error');
    throw new EndpointUnreachableError(LABEL, base, ENV_VAR, detail, err);
  }
  const text = await res.text();
  if (!res.ok) {
    // The endpoint answers errors as a short page or text: its first line is the reason. It never
    // echoes the Session parameter.
    const reason = text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 200);
    throw new AwsRequestError(LABEL, 'getSigninToken', res.status === 400 ? 'BadRequest' : 'Error', res.status, reason);
  }
  let token: unknown;
  try {
    token = (JSON.parse(text) as { SigninToken?: unknown }).SigninToken;
  } catch {
    token = undefined;
  }
  if (typeof token !== 'string' || !token) throw new AwsRequestError(LABEL, 'getSigninToken', 'InvalidResponse', res.status, 'no SigninToken in the answer');
  debug(`console: sign-in token received (${token.length} chars, not shown)`);
  return `${base}?${new URLSearchParams({ Action: 'login', Issuer: o.issuer, Destination: o.destination, SigninToken: token })}`;
}
