// Amazon EKS DescribeCluster (REST-JSON, GET /clusters/{name}, SigV4 for service `eks`), enough for
// kubeconfig: callers whose credentials belong to the cluster's account may describe it; others
// get AccessDeniedException, unknown names ResourceNotFoundException, as EKS answers.
import { AwsError } from './errors.ts';
import { type Ctx, sendJson } from './http.ts';
import { parseAuthorization, verifySignature } from './sigv4.ts';

/** GET /clusters/{name}. */
export function describeCluster(ctx: Ctx): void {
  const name = decodeURIComponent(ctx.url.pathname.slice('/clusters/'.length));
  const auth = parseAuthorization(ctx.req.headers.authorization);
  if (!auth) throw new AwsError('UnrecognizedClientException', 'Missing Authentication Token', 403);
  ctx.entry.accessKeyId = auth.accessKeyId;
  const creds = ctx.state.findCredentials(auth.accessKeyId);
  const token = ctx.req.headers['x-amz-security-token'];
  if (!creds || (creds.sessionToken ?? undefined) !== ((Array.isArray(token) ? token[0] : token) || undefined)) {
    throw new AwsError('UnrecognizedClientException', 'The security token included in the request is invalid.', 403);
  }
  const why = verifySignature({ method: 'GET', rawUrl: ctx.req.url ?? '/', headers: ctx.req.headers, body: ctx.body }, auth, creds.secretAccessKey, 'eks');
  if (why) throw new AwsError('InvalidSignatureException', why, 403);
  if (creds.expiresAt !== undefined && creds.expiresAt <= Date.now()) throw new AwsError('ExpiredTokenException', 'The security token included in the request is expired', 403);
  if (creds.identity.roleArn) ctx.entry.roleArn = creds.identity.roleArn;
  const c = ctx.state.scenario.clusters.find((x) => x.name === name && x.region === auth.region);
  if (!c) throw new AwsError('ResourceNotFoundException', `No cluster found for name: ${name}.`, 404);
  if (c.accountId !== creds.identity.account) {
    throw new AwsError('AccessDeniedException', `User: ${creds.identity.arn} is not authorized to perform: eks:DescribeCluster on resource: arn:aws:eks:${c.region}:${c.accountId}:cluster/${c.name}`, 403);
  }
  sendJson(ctx, {
    cluster: {
      name: c.name,
      arn: `arn:aws:eks:${c.region}:${c.accountId}:cluster/${c.name}`,
      endpoint: c.endpoint,
      status: 'ACTIVE',
      certificateAuthority: { data: c.certificateAuthority },
    },
  });
}
