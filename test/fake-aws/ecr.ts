// Amazon ECR GetAuthorizationToken (awsJson1_1: POST / with X-Amz-Target
// AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken, SigV4 for service `ecr`): callers of a
// registry's account get `AWS:<the registry's password>` in base64, valid 12 hours, and the
// registry's endpoint as proxyEndpoint (a test's local registry, which checks that password).
import { AwsError } from './errors.ts';
import { type Ctx, jsonBody, sendJson, strList } from './http.ts';
import { parseAuthorization, verifySignature } from './sigv4.ts';

export const ECR_TARGET_PREFIX = 'AmazonEC2ContainerRegistry_V20150921.';

/** POST / for an ECR target. */
export function handleEcr(ctx: Ctx, target: string): void {
  if (target !== 'GetAuthorizationToken') throw new AwsError('UnknownOperationException', `ECR ${target} is not emulated`);
  const auth = parseAuthorization(ctx.req.headers.authorization);
  if (!auth) throw new AwsError('UnrecognizedClientException', 'Missing Authentication Token', 403);
  ctx.entry.accessKeyId = auth.accessKeyId;
  const creds = ctx.state.findCredentials(auth.accessKeyId);
  const token = ctx.req.headers['x-amz-security-token'];
  if (!creds || (creds.sessionToken ?? undefined) !== ((Array.isArray(token) ? token[0] : token) || undefined)) {
    throw new AwsError('UnrecognizedClientException', 'The security token included in the request is invalid.', 403);
  }
  const why = verifySignature({ method: 'POST', rawUrl: ctx.req.url ?? '/', headers: ctx.req.headers, body: ctx.body }, auth, creds.secretAccessKey, 'ecr');
  if (why) throw new AwsError('InvalidSignatureException', why, 403);
  if (creds.expiresAt !== undefined && creds.expiresAt <= Date.now()) throw new AwsError('ExpiredTokenException', 'The security token included in the request is expired', 403);
  if (creds.identity.roleArn) ctx.entry.roleArn = creds.identity.roleArn;
  const ids = strList(jsonBody(ctx), 'registryIds') ?? [creds.identity.account];
  const data = ids.map((id) => {
    const r = ctx.state.scenario.registries.find((x) => x.accountId === id && x.region === auth.region);
    if (!r) throw new AwsError('InvalidParameterException', `Invalid parameter at 'registryIds' failed to satisfy constraint: no registry ${id} in ${auth.region}`, 400);
    if (id !== creds.identity.account) {
      throw new AwsError('AccessDeniedException', `User: ${creds.identity.arn} is not authorized to perform: ecr:GetAuthorizationToken on resource: arn:aws:ecr:${r.region}:${id}:repository/*`, 400);
    }
    return { authorizationToken: Buffer.from(`AWS:${r.password}`).toString('base64'), expiresAt: Date.now() / 1000 + 12 * 3600, proxyEndpoint: r.endpoint };
  });
  sendJson(ctx, { authorizationData: data });
}
