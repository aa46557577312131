// Amazon ECR GetAuthorizationToken (awsJson1_1: POST / with X-Amz-Target
// AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken, SigV4 for service `ecr`): callers of a
// registry's account get `AWS:<the registry's password>` in base64, valid 12 hours, and the
// registry's endpoint as proxyEndpoint (a test's local registry, which checks that password).
import { AwsError } from './errors.ts';
import { type Ctx, jsonBody, sendJson, strList } from './http.ts';
import { signedCaller, signedRegion } from './signed.ts';

export const ECR_TARGET_PREFIX = 'AmazonEC2ContainerRegistry_V20150921.';

/** POST / for an ECR target. */
export function handleEcr(ctx: Ctx, target: string): void {
  if (target !== 'GetAuthorizationToken') throw new AwsError('UnknownOperationException', `ECR ${target} is not emulated`);
  const creds = signedCaller(ctx, 'ecr');
  const region = signedRegion(ctx);
  const ids = strList(jsonBody(ctx), 'registryIds') ?? [creds.identity.account];
  const data = ids.map((id) => {
    const r = ctx.state.scenario.registries.find((x) => x.accountId === id && x.region === region);
    if (!r) throw new AwsError('InvalidParameterException', `Invalid parameter at 'registryIds' failed to satisfy constraint: no registry ${id} in ${region}`, 400);
    if (id !== creds.identity.account) {
      throw new AwsError('AccessDeniedException', `User: ${creds.identity.arn} is not authorized to perform: ecr:GetAuthorizationToken on resource: arn:aws:ecr:${r.region}:${id}:repository/*`, 400);
    }
    return { authorizationToken: Buffer.from(`AWS:${r.password}`).toString('base64'), expiresAt: Date.now() / 1000 + 12 * 3600, proxyEndpoint: r.endpoint };
  });
  sendJson(ctx, { authorizationData: data });
}
