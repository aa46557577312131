/**
 * `atmos-auth eks token` (kubectl's exec credential plugin, never a browser: an expired session is
 * one message naming `atmos-auth login`) and `atmos-auth eks kubeconfig` (writes the identity's
 * kubeconfig and prints its path: what the hook exports as KUBECONFIG).
 */
import type { EksIntegration } from '../atmos/integrations.ts';
import type { Resolution } from '../atmos/types.ts';
import { clusterOf, renderKubeconfig, tokenFor, writeKubeconfig } from '../credentials/eks.ts';
import { getCredentials } from '../credentials/get-credentials.ts';
import type { AwsCredentials } from '../credentials/types.ts';
import { implicitPolicy, resolveTarget } from '../credentials/target.ts';
import { AtmosAuthError, UsageError } from '../errors.ts';
import { selfCommand } from '../shell/scripts.ts';
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
  if (!a.clusterName || !a.region) throw new UsageError('name the cluster: --cluster-name NAME --region REGION');
  if (!a.identity) throw new UsageError('name the identity: --identity NAME (the kubeconfig atmos-auth writes passes it)');
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

/** The ATMOS_* inputs that the plugin must see as this shell does (kubectl's may differ). */
function pinnedEnv(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of ['ATMOS_CLI_CONFIG_PATH', 'ATMOS_BASE_PATH']) {
    const v = process.env[k];
    if (v) out[k] = v;
  }
  return out;
}

/**
 * Writes the kubeconfig of `res.identity` (fetching cluster details with `creds` when not cached)
 * and returns its path, or null when the identity has no aws/eks integration.
 */
export async function ensureKubeconfig(res: Resolution, creds: AwsCredentials, cmd: readonly string[] = selfCommand()): Promise<string | null> {
  const eks = (res.integrations ?? []).filter((i): i is EksIntegration => i.kind === 'aws/eks');
  if (!eks.length || !res.identity || !res.root) return null;
  const entries = [];
  for (const integration of eks) entries.push({ integration, cluster: await clusterOf(res, creds, integration) });
  const text = await renderKubeconfig(entries, res.region, { cmd, identity: res.identity, root: res.root, profiles: res.profiles, env: pinnedEnv() });
  return writeKubeconfig(res, text);
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

