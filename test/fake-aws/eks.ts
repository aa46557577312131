// Amazon EKS DescribeCluster (REST-JSON, GET /clusters/{name}, SigV4 for service `eks`), enough for
// kubeconfig: callers whose credentials belong to the cluster's account may describe it; others
// get AccessDeniedException, unknown names ResourceNotFoundException, as EKS answers.
import { AwsError } from './errors.ts';
import { type Ctx, sendJson } from './http.ts';
import { signedCaller, signedRegion } from './signed.ts';

/** GET /clusters/{name}. */
export function describeCluster(ctx: Ctx): void {
  const name = decodeURIComponent(ctx.url.pathname.slice('/clusters/'.length));
  const creds = signedCaller(ctx, 'eks');
  const region = signedRegion(ctx);
  const c = ctx.state.scenario.clusters.find((x) => x.name === name && x.region === region);
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
