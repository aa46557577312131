/**
 * `atmos-auth eks token` (kubectl's exec credential plugin, never a browser: an expired session is
 * one message naming `atmos-auth login`) and `atmos-auth eks kubeconfig` (writes the identity's
 * kubeconfig and prints its path: what the hook exports as KUBECONFIG).
 */
import { ensureKubeconfig, tokenFor } from '../credentials/eks.ts';
import { getCredentials } from '../credentials/get-credentials.ts';
import { resolveTarget } from '../credentials/target.ts';
import { UsageError } from '../errors.ts';
import { noticeUntrusted } from '../trust/trust.ts';
import { writeStdout } from '../util/stdio.ts';
import { integrationTarget, type IntegrationArgs } from './integration-target.ts';

export interface EksTokenArgs {
  clusterName?: string;
  region?: string;
  identity?: string;
  root?: string;
  profile?: string;
}

/** The ExecCredential apiVersion kubectl asked for (KUBERNETES_EXEC_INFO), else v1beta1. */
function execApiVersion(): string {
  try {
    const info = JSON.parse(process.env.KUBERNETES_EXEC_INFO ?? '{}') as { apiVersion?: unknown };
    if (info.apiVersion === 'client.authentication.k8s.io/v1') return info.apiVersion;
  } catch {
    // Not set or not JSON: the version the kubeconfig names.
  }
  return 'client.authentication.k8s.io/v1beta1';
}

/** `eks token`: an ExecCredential with the cluster's bearer token. */
export async function runToken(a: EksTokenArgs): Promise<number> {
  if (!a.clusterName || !a.region) throw new UsageError('eks token needs the cluster', { hint: 'pass --cluster-name NAME --region REGION (the kubeconfig from atmos-auth eks kubeconfig does)' });
  if (!a.identity) throw new UsageError('eks token needs the identity', { hint: 'pass --identity NAME (the kubeconfig from atmos-auth eks kubeconfig does)' });
  const res = await resolveTarget({ dir: a.root, profile: a.profile, identity: a.identity });
  noticeUntrusted(res);
  const { credentials } = await getCredentials(res, { login: 'never', get stderr() { return process.stderr; } });
  const t = await tokenFor(res, credentials, a.clusterName, a.region);
  const out = {
    kind: 'ExecCredential',
    apiVersion: execApiVersion(),
    spec: {},
    status: { expirationTimestamp: t.expiresAt.toISOString().replace(/\.\d{3}Z$/, 'Z'), token: t.token },
  };
  writeStdout(`${JSON.stringify(out)}\n`);
  return 0;
}

export type EksKubeconfigArgs = IntegrationArgs;

/** `eks kubeconfig`: writes the identity's kubeconfig and prints its path. */
export async function runKubeconfig(a: EksKubeconfigArgs): Promise<number> {
  const { res, credentials } = await integrationTarget(a, 'aws/eks');
  writeStdout(`${await ensureKubeconfig(res, credentials)}\n`);
  return 0;
}
