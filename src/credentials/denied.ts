/**
 * What an AWS refusal says about the profiles: what the active profile maps the identity to, and
 * which other profiles map it to something else (ranked by access level: src/atmos/profile-map.ts).
 * Reading every profile happens here only, on the error path of a network call: never on a warm cd.
 */
import type { Resolution } from '../atmos/types.ts';
import { AtmosAuthError } from '../errors.ts';
import { debug } from '../log.ts';

/** `developers` or `(no profile)`. */
export function profileLabel(res: Resolution): string {
  return res.profiles.length ? res.profiles.join(',') : '(no profile)';
}

/**
 * "profiles giving I more: devops (TerraformApplyAccess, apply); others: ..." ('' when no other
 * profile maps `identity` differently, or when the profiles cannot be read: an error must not
 * fail on its own explanation).
 */
export async function otherProfilesClause(res: Resolution, identity: string): Promise<string> {
  if (!res.root) return '';
  try {
    const pm = await import('../atmos/profile-map.ts');
    return pm.otherProfilesText(pm.mappingsOf(pm.loadProfileAuths(res.root, process.env), identity), identity, res.profiles);
  } catch (err) {
    debug(`profiles of ${res.root} not read for the error message: ${err instanceof Error ? err.message : String(err)}`);
    return '';
  }
}

/** "profile P maps I to TerraformPlanAccess in plat-prod" from the resolution's last hop. */
export function mappingOf(res: Resolution): string {
  const hop = res.chain[res.chain.length - 1];
  const to = hop?.kind === 'aws/permission-set' ? `${hop.permissionSet} in ${hop.account.name ?? hop.account.id}`
    : hop?.kind === 'aws/assume-role' ? `role ${hop.roleArn}`
      : hop ? hop.kind : 'nothing';
  return `profile ${profileLabel(res)} maps ${res.identity ?? '?'} to ${to}`;
}

/**
 * A service's AccessDenied (an error carrying `accessDenied: true`, e.g. eks:DescribeCluster,
 * ecr:GetAuthorizationToken) with the profile mapping and the alternatives added; other errors
 * are returned as they are.
 */
export async function explainDenied(err: unknown, res: Resolution): Promise<unknown> {
  if (!(err instanceof AtmosAuthError) || !(err as { accessDenied?: boolean }).accessDenied || !res.identity) return err;
  const others = await otherProfilesClause(res, res.identity);
  const hint = [err.hint, others ? `${others} (ATMOS_PROFILE=<profile> atmos-auth export)` : ''].filter(Boolean).join('; ');
  const out = new AtmosAuthError(`${err.message}; ${mappingOf(res)}`, { ...(hint ? { hint } : {}), cause: err });
  Object.defineProperty(out, 'exitCode', { value: err.exitCode });
  return out;
}
