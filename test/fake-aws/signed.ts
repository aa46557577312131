// The caller of a SigV4-signed REST-JSON/JSON request (EKS, ECR): the access key must be one the
// emulator issued or knows, the session token must match, the signature must verify for `service`,
// and the credentials must not have expired. Errors are those services' (403s).
import { AwsError } from './errors.ts';
import type { Ctx } from './http.ts';
import { parseAuthorization, verifySignature } from './sigv4.ts';
import type { StoredCredentials } from './state.ts';

/** The stored credentials of a correctly signed request for `service`, else the AWS error. */
export function signedCaller(ctx: Ctx, service: string): StoredCredentials {
  const auth = parseAuthorization(ctx.req.headers.authorization);
  if (!auth) throw new AwsError('UnrecognizedClientException', 'Missing Authentication Token', 403);
  ctx.entry.accessKeyId = auth.accessKeyId;
  const creds = ctx.state.findCredentials(auth.accessKeyId);
  const token = ctx.req.headers['x-amz-security-token'];
  if (!creds || (creds.sessionToken ?? undefined) !== ((Array.isArray(token) ? token[0] : token) || undefined)) {
    throw new AwsError('UnrecognizedClientException', 'The security token included in the request is invalid.', 403);
  }
  const why = verifySignature({ method: ctx.req.method ?? 'GET', rawUrl: ctx.req.url ?? '/', headers: ctx.req.headers, body: ctx.body }, auth, creds.secretAccessKey, service);
  if (why) throw new AwsError('InvalidSignatureException', why, 403);
  if (creds.expiresAt !== undefined && creds.expiresAt <= Date.now()) throw new AwsError('ExpiredTokenException', 'The security token included in the request is expired', 403);
  if (creds.identity.roleArn) ctx.entry.roleArn = creds.identity.roleArn;
  return creds;
}

/** The region a signed request was scoped to. */
export function signedRegion(ctx: Ctx): string {
  return parseAuthorization(ctx.req.headers.authorization)?.region ?? '';
}
