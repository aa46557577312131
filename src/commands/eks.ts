/**
 * `atmos-auth eks token` (kubectl's exec credential plugin, never a browser: an expired session is
 * one message naming `atmos-auth login`) and `atmos-auth eks kubeconfig` (writes the identity's
 * kubeconfig and prints its path: what the hook exports as KUBECONFIG).
 */
import { ensureKubeconfig, tokenFor } from '../credentials/eks.ts';
import { getCredentials } from '../credentials/get-credentials.ts';
import { implicitPolicy, resolveTarget } from '../credentials/target.ts';
import { AtmosAuthError, UsageError } from '../errors.ts';
import { noticeUntrusted } from '../trust/trust.ts';
import { writeStdout } from '../util/stdio.ts';

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

export interface EksKubeconfigArgs {
  dir?: string;
  profile?: string;
  identity?: string;
  login?: boolean;
}

/** `eks kubeconfig`: writes the identity's kubeconfig and prints its path. */
export async function runKubeconfig(a: EksKubeconfigArgs): Promise<number> {
  const res = await resolveTarget(a);
  noticeUntrusted(res);
  if (!res.identity) throw new AtmosAuthError(`no identity applies here${res.reason ? `: ${res.reason}` : ''}`, { hint: 'pass --identity NAME' });
  if (!(res.integrations ?? []).some((i) => i.kind === 'aws/eks')) {
    throw new AtmosAuthError(`identity ${res.identity} has no aws/eks integration`, { hint: 'add one under auth.integrations with via.identity and spec.cluster {name, region}' });
  }
  const { credentials } = await getCredentials(res, { login: implicitPolicy(a.login !== false), stderr: process.stderr });
  const file = await ensureKubeconfig(res, credentials);
  writeStdout(`${file}\n`);
  return 0;
}

