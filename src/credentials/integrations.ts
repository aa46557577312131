/**
 * What an identity's aws/eks and aws/ecr integrations add to the shell: KUBECONFIG (and
 * KUBE_CONFIG_PATH, as Atmos's EKS integration sets both: pkg/auth/integrations/aws/eks.go:195-208)
 * pointing at the identity's kubeconfig, DOCKER_CONFIG at its docker config directory, and
 * ATMOS_AUTH_KUBE_CONTEXT (the current context's alias or cluster name) for the prompt.
 *
 * Warm (a `cd` with cached credentials): a stat of the kubeconfig and one small file read for the
 * docker logins. Only a missing kubeconfig or a login near its end reaches EKS or ECR. A failing
 * integration costs the user that tool, not the identity: one line on stderr, and the credentials
 * are exported as usual.
 */
import { statSync } from 'node:fs';
import type { EksIntegration } from '../atmos/integrations.ts';
import type { Resolution } from '../atmos/types.ts';
import { AtmosAuthError } from '../errors.ts';
import { writeStderr } from '../log.ts';
import { dockerConfigDir, ensureDockerConfig, freshDockerConfig } from './ecr.ts';
import { currentEks, ensureKubeconfig, kubeconfigPath } from './eks.ts';
import type { AwsCredentials } from './types.ts';

const exists = (p: string) => statSync(p, { throwIfNoEntry: false }) !== undefined;

/** A failed integration: said on stderr, then left out (what it is worth without it is the user's call). */
function skipped(what: string, identity: string, err: unknown): null {
  if (!(err instanceof AtmosAuthError)) throw err;
  writeStderr(`atmos-auth: ${what} not set up for ${identity}: ${err.message}\n`);
  return null;
}

/** The variables of `res`'s integrations ({} when it has none). */
export async function integrationVars(res: Resolution, creds: AwsCredentials): Promise<Record<string, string>> {
  const all = res.integrations ?? [];
  const out: Record<string, string> = {};
  if (!all.length || !res.identity) return out;
  const eks = all.filter((i): i is EksIntegration => i.kind === 'aws/eks');
  if (eks.length) {
    const ready = kubeconfigPath(res);
    const file = exists(ready) ? ready : await ensureKubeconfig(res, creds).catch((err: unknown) => skipped('kubectl', res.identity!, err));
    if (file) {
      out.KUBECONFIG = file;
      out.KUBE_CONFIG_PATH = file;
      const cur = currentEks(eks, res.region);
      if (cur) out.ATMOS_AUTH_KUBE_CONTEXT = cur.alias ?? cur.cluster;
    }
  }
  if (all.some((i) => i.kind === 'aws/ecr')) {
    const dir = freshDockerConfig(res) ?? await ensureDockerConfig(res, creds).catch((err: unknown) => skipped('docker', res.identity!, err));
    if (dir) out.DOCKER_CONFIG = dir;
  }
  return out;
}

/** One integration of an identity as `status` and `whoami` show it (offline). */
export interface IntegrationState {
  name: string;
  kind: string;
  /** The cluster or registry it is for. */
  target: string;
  /** In words: where its file is and how fresh, or why nothing is set up. */
  state: string;
  /** The file or directory the shell's variable points at, when set up. */
  path?: string;
}

/** The state of each integration of `res`, from the files alone (no network). */
export function integrationStates(res: Resolution): IntegrationState[] {
  const out: IntegrationState[] = [];
  for (const i of res.integrations ?? []) {
    if (i.kind === 'aws/eks') {
      const path = kubeconfigPath(res);
      const cur = currentEks((res.integrations ?? []).filter((x): x is EksIntegration => x.kind === 'aws/eks'), res.region) === i;
      out.push(exists(path)
        ? { name: i.name, kind: i.kind, target: `${i.cluster} (${i.region})`, state: `kubeconfig ready${cur ? ', current context' : ''}`, path }
        : { name: i.name, kind: i.kind, target: `${i.cluster} (${i.region})`, state: 'not set up yet (the next `cd` or `atmos-auth eks kubeconfig` writes it)' });
    } else if (i.kind === 'aws/ecr') {
      const fresh = freshDockerConfig({ ...res, integrations: [i] });
      out.push({ name: i.name, kind: i.kind, target: `${i.accountId} (${i.region})`, ...(fresh ? { state: 'logged in', path: dockerConfigDir(res) } : { state: 'no current login (the next `cd` or `atmos-auth ecr login` gets one)' }) });
    } else {
      out.push({ name: i.name, kind: i.declared, target: '', state: 'not handled by atmos-auth (Atmos does it per command)' });
    }
  }
  return out;
}
