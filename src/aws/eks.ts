/**
 * Amazon EKS for kubectl: the cluster's endpoint and CA (DescribeCluster, @aws-sdk/client-eks,
 * loaded only here and only on a miss), and the bearer token the cluster's authenticator accepts:
 * a presigned STS GetCallerIdentity URL bound to the cluster by the signed `x-k8s-aws-id` header,
 * `k8s-aws-v1.` + base64url without padding, as `aws eks get-token`, aws-iam-authenticator and
 * Atmos make it (cloudposse/atmos pkg/auth/cloud/aws/eks.go:24-35 constants, 95-135 GetToken:
 * X-Amz-Expires=60, the token used for 14 minutes). Endpoints follow the SDK's variables:
 * AWS_ENDPOINT_URL_EKS, AWS_ENDPOINT_URL_STS (the presigned URL points wherever STS is).
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import type { AwsCredentials } from '../credentials/types.ts';
import { AtmosAuthError } from '../errors.ts';
import { debug } from '../log.ts';
import { baseClientConfig, endpointOf, errName, mapCommonError } from './client.ts';

/** What kubeconfig needs of a cluster. */
export interface EksCluster {
  name: string;
  region: string;
  arn: string;
  endpoint: string;
  /** Base64 PEM, as DescribeCluster returns it. */
  certificateAuthority: string;
}

/** DescribeCluster refused or found nothing: names the cluster, region and what to check. */
export class EksClusterError extends AtmosAuthError {}

/** The token lives 14 minutes for its user (the presigned URL is accepted for 15). */
export const EKS_TOKEN_LIFETIME_MS = 14 * 60 * 1000;

/** The cluster's endpoint and CA as `creds` see it. */
export async function describeCluster(creds: AwsCredentials, name: string, region: string, identity: string): Promise<EksCluster> {
  const mod = await import('@aws-sdk/client-eks');
  const c = { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, ...(creds.sessionToken ? { sessionToken: creds.sessionToken } : {}) };
  const client = new mod.EKSClient({ ...baseClientConfig(region), credentials: async () => c });
  let out;
  try {
    out = await client.send(new mod.DescribeClusterCommand({ name }));
  } catch (err) {
    const n = errName(err);
    if (n === 'ResourceNotFoundException') {
      throw new EksClusterError(`EKS cluster ${name} was not found in ${region} (as ${identity})`, { hint: 'check spec.cluster.name and spec.cluster.region of the aws/eks integration', cause: err });
    }
    if (n === 'AccessDeniedException' || n === 'AccessDenied') {
      throw Object.assign(new EksClusterError(`${identity} may not describe EKS cluster ${name} in ${region} (eks:DescribeCluster denied)`, { hint: 'the integration\'s identity needs eks:DescribeCluster on the cluster: ask the account\'s administrator', cause: err }), { accessDenied: true });
    }
    throw mapCommonError(err, 'eks', 'DescribeCluster', region);
  } finally {
    client.destroy();
  }
  const cl = out.cluster;
  if (!cl?.endpoint || !cl.certificateAuthority?.data || !cl.arn) {
    throw new EksClusterError(`EKS cluster ${name} in ${region} has no endpoint or CA yet (status ${cl?.status ?? 'unknown'})`, { hint: 'wait until the cluster is ACTIVE, then try again' });
  }
  debug(`eks: DescribeCluster ${name} (${region}): ${cl.endpoint}`);
  return { name, region, arn: cl.arn, endpoint: cl.endpoint, certificateAuthority: cl.certificateAuthority.data };
}

/** node:crypto as the sha256 constructor SignatureV4 wants (a secret makes it an HMAC). */
type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytes = (d: SourceData): string | Uint8Array => (typeof d === 'string' ? d : d instanceof ArrayBuffer ? new Uint8Array(d) : new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
class Sha256 {
  private readonly h: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.h = secret ? createHmac('sha256', bytes(secret)) : createHash('sha256');
  }
  update(data: SourceData): void {
    this.h.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.h.digest()));
  }
}

/** The bearer token for `cluster` and when it stops being used. No network: a local signature. */
export async function eksToken(creds: AwsCredentials, cluster: string, region: string): Promise<{ token: string; expiresAt: Date }> {
  const { SignatureV4 } = await import('@smithy/signature-v4');
  const sts = new URL(endpointOf('sts', region).url);
  const signer = new SignatureV4({
    service: 'sts',
    region,
    sha256: Sha256,
    credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, ...(creds.sessionToken ? { sessionToken: creds.sessionToken } : {}) },
  });
  const signed = await signer.presign({
    method: 'GET',
    protocol: sts.protocol,
    hostname: sts.hostname,
    ...(sts.port ? { port: Number(sts.port) } : {}),
    path: sts.pathname || '/',
    query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
    headers: { host: sts.host, 'x-k8s-aws-id': cluster },
  }, { expiresIn: 60 });
  const q = Object.entries(signed.query ?? {}).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => `${encodeURIComponent(k)}=${encodeURIComponent(String(x))}`)).join('&');
  const url = `${sts.protocol}//${sts.host}${signed.path}?${q}`;
  debug(`eks: token for ${cluster} signed for ${sts.host} (${url.length} chars, not shown)`);
  return { token: `k8s-aws-v1.${Buffer.from(url).toString('base64url')}`, expiresAt: new Date(Date.now() + EKS_TOKEN_LIFETIME_MS) };
}
