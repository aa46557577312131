/**
 * What `eks kubeconfig` and `ecr login` share: the directory's identity (or --identity), which
 * must have an integration of the kind, and its credentials (a login when needed, from a terminal).
 */
import type { Resolution } from '../atmos/types.ts';
import { getCredentials } from '../credentials/get-credentials.ts';
import { implicitPolicy, resolveTarget } from '../credentials/target.ts';
import type { AwsCredentials } from '../credentials/types.ts';
import { AtmosAuthError } from '../errors.ts';
import { noticeUntrusted } from '../trust/trust.ts';

/** The options both commands take. */
export interface IntegrationArgs {
  dir?: string;
  profile?: string;
  identity?: string;
  login?: boolean;
}

const SPEC: Record<'aws/eks' | 'aws/ecr', string> = {
  'aws/eks': 'spec.cluster {name, region}',
  'aws/ecr': 'spec.registry {account_id, region}',
};

/** The resolution and credentials of an identity with a `kind` integration, else an error saying what to add. */
export async function integrationTarget(a: IntegrationArgs, kind: 'aws/eks' | 'aws/ecr'): Promise<{ res: Resolution; credentials: AwsCredentials }> {
  const res = await resolveTarget(a);
  noticeUntrusted(res);
  if (!res.identity) throw new AtmosAuthError(`no identity applies here${res.reason ? `: ${res.reason}` : ''}`, { hint: 'pass --identity NAME' });
  if (!(res.integrations ?? []).some((i) => i.kind === kind)) {
    throw new AtmosAuthError(`identity ${res.identity} has no ${kind} integration`, { hint: `add one under auth.integrations with via.identity and ${SPEC[kind]}` });
  }
  const { credentials } = await getCredentials(res, { login: implicitPolicy(a.login !== false), stderr: process.stderr });
  return { res, credentials };
}
