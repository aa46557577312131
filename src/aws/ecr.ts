/**
 * Amazon ECR for docker: GetAuthorizationToken (@aws-sdk/client-ecr, loaded only here and only on
 * a miss) for one registry, as `atmos aws ecr login` and the `aws/ecr` integration get it
 * (cloudposse/atmos pkg/auth/cloud/aws/ecr.go). The token is `AWS:<password>` in base64 and lives
 * 12 hours; the registry's host comes from the answer's proxyEndpoint. AWS_ENDPOINT_URL_ECR
 * overrides the API endpoint, as the SDK reads it.
 */
import type { AwsCredentials } from '../credentials/types.ts';
import { AtmosAuthError } from '../errors.ts';
import { debug } from '../log.ts';
import { baseClientConfig, errName, mapCommonError } from './client.ts';

/** One registry login. `auth` is what docker's config.json keeps (base64 of user:password). */
export interface EcrLogin {
  /** host[:port] of the registry, the key in config.json's `auths`. */
  registry: string;
  auth: string;
  expiresAt: Date;
}

/** ECR refused the token. */
export class EcrAuthorizationError extends AtmosAuthError {}

/** A docker login for registry `accountId` in `region`, as `creds`. */
export async function ecrAuthorization(creds: AwsCredentials, accountId: string, region: string, identity: string): Promise<EcrLogin> {
  const mod = await import('@aws-sdk/client-ecr');
  const c = { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, ...(creds.sessionToken ? { sessionToken: creds.sessionToken } : {}) };
  const client = new mod.ECRClient({ ...baseClientConfig(region), credentials: async () => c });
  let out;
  try {
    // registryIds is deprecated in the API reference but still honoured, and the only way to name another account's registry.
    out = await client.send(new mod.GetAuthorizationTokenCommand({ registryIds: [accountId] }));
  } catch (err) {
    const n = errName(err);
    if (n === 'AccessDeniedException' || n === 'AccessDenied') {
      throw Object.assign(new EcrAuthorizationError(`${identity} may not log in to ECR registry ${accountId} in ${region} (ecr:GetAuthorizationToken denied)`, { hint: 'the integration\'s identity needs ecr:GetAuthorizationToken: ask the account\'s administrator', cause: err }), { accessDenied: true });
    }
    throw mapCommonError(err, 'ecr', 'GetAuthorizationToken', region);
  } finally {
    client.destroy();
  }
  const d = out.authorizationData?.[0];
  if (!d?.authorizationToken || !d.proxyEndpoint) throw new EcrAuthorizationError(`ECR answered no authorization data for registry ${accountId} in ${region} (ecr:GetAuthorizationToken)`, { hint: 'try again: atmos-auth ecr login; ATMOS_LOGS_LEVEL=debug shows the request' });
  const registry = d.proxyEndpoint.replace(/^https?:\/\//, '').replace(/\/+$/, '');
  debug(`ecr: login for ${registry} (token not shown)`);
  return { registry, auth: d.authorizationToken, expiresAt: d.expiresAt ? new Date(d.expiresAt) : new Date(Date.now() + 12 * 3600_000) };
}
