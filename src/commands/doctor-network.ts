/**
 * The network checks of `atmos-auth doctor`: the clock against AWS's and the permission set's
 * assignment (ListAccountRoles). Run only for an allowed repository with a valid or refreshable
 * SSO session; the token is taken with login policy 'never' (a refresh at most, never a browser).
 */
import { Writable } from 'node:stream';
import type { ChainHop } from '../atmos/types.ts';
import { AccountNotFoundError, NoAssignmentError } from '../aws/errors.ts';
import { AtmosAuthError } from '../errors.ts';
import type { SsoProvider } from '../aws/sso-session.ts';
import type { DoctorCheck } from './doctor-local.ts';
import type { MatrixCell } from './matrix.ts';

/** Over this, SigV4 requests are refused (AWS: within 5 minutes of the request's time stamp). */
export const MAX_SKEW_SECONDS = 300;
/** Over this, a warning: the margin is being eaten. */
const WARN_SKEW_SECONDS = 60;

type PsHop = Extract<ChainHop, { kind: 'aws/permission-set' }>;

const quiet = () => new Writable({ write: (_c, _e, cb) => cb() });
const oneLine = (err: unknown) => (err instanceof AtmosAuthError ? err.message : err instanceof Error ? err.message : String(err)).split('\n')[0]!;

/** The clock: the Date of one answer of the SSO portal endpoint. */
export async function checkClock(region: string): Promise<DoctorCheck> {
  const { probeClock } = await import('../aws/clock.ts');
  try {
    const p = await probeClock(region);
    const off = Math.abs(p.skewSeconds);
    // Date is truncated to the second: a difference of one second is no difference.
    const words = off <= 1 ? 'in step with' : `${off} s ${p.skewSeconds > 0 ? 'behind' : 'ahead of'}`;
    const summary = `this machine's clock is ${words} AWS's (Date of ${p.endpoint})`;
    if (off > MAX_SKEW_SECONDS) {
      return { id: 'clock', status: 'fail', summary: `${summary}: over 5 minutes, AWS refuses signed requests`, fix: 'set the clock right: `sudo timedatectl set-ntp true` (or `sudo chronyc makestep`)', detail: p.endpoint };
    }
    if (off > WARN_SKEW_SECONDS) return { id: 'clock', status: 'warn', summary: `${summary}; AWS refuses over 5 minutes`, fix: 'turn on time sync: `sudo timedatectl set-ntp true`', detail: p.endpoint };
    return { id: 'clock', status: 'ok', summary, detail: p.endpoint };
  } catch (err) {
    return { id: 'clock', status: 'warn', summary: `could not compare the clock with AWS's: ${oneLine(err)}` };
  }
}

/** The admin request, the other profiles' permission sets for this identity, one the user has. */
function adminAsk(hop: PsHop, where: string, roles: string[], others: { profile: string; cell: MatrixCell }[]): string {
  const alt = others
    .filter((o) => o.cell.permissionSet && o.cell.permissionSet !== hop.permissionSet)
    .map((o) => `${o.profile} (${o.cell.permissionSet}${roles.includes(o.cell.permissionSet!) ? ', assigned to you' : ''})`);
  const usable = others.find((o) => o.cell.permissionSet && roles.includes(o.cell.permissionSet));
  return [
    `ask your AWS admin for permission set ${hop.permissionSet} in account ${where}`,
    alt.length ? `profiles giving this identity another permission set: ${alt.join(', ')}` : '',
    usable ? `or use one you have: export ATMOS_PROFILE=${usable.profile}` : '',
  ].filter(Boolean).join('; ');
}

/**
 * Atmos itself asks ListAccountRoles (all pages) only when provisioning identities
 * (pkg/auth/providers/aws/sso_provisioning.go:181-200); for a permission-set identity it resolves
 * the account by name (pkg/auth/identities/aws/permission_set.go:380-396) and just calls
 * GetRoleCredentials, whose refusal does not say what the user has. Doctor asks first.
 *
 * The permission set of the identity's chain: assigned to the signed-in user in its account? If
 * not, what the other profiles make of this identity (from the matrix), and which of those
 * permission sets the user does have there.
 */
export async function checkAssignment(sp: SsoProvider, hop: PsHop, others: { profile: string; cell: MatrixCell }[]): Promise<DoctorCheck[]> {
  const { getSsoToken } = await import('../aws/sso-session.ts');
  const { accountIdByName, listAccountRoles } = await import('../aws/portal.ts');
  let token;
  try {
    token = await getSsoToken(sp, { login: 'never', stderr: quiet() });
  } catch (err) {
    return [{ id: 'permission-set', status: 'fail', summary: `no usable SSO token: ${oneLine(err)}`, fix: `atmos-auth login --provider ${sp.name}` }];
  }
  const acct = hop.account.name ?? hop.account.id ?? '?';
  let accountId: string;
  let roles: string[];
  try {
    accountId = hop.account.id ?? (await accountIdByName(sp, token, hop.account.name ?? ''));
    roles = await listAccountRoles(sp, token, accountId);
  } catch (err) {
    // Identity Center lists only the accounts where the user has an assignment: an account it
    // does not show is the same answer as "no permission set here".
    if (err instanceof AccountNotFoundError || err instanceof NoAssignmentError) {
      return [{ id: 'permission-set', status: 'fail', summary: `account ${acct} is not visible to you in IAM Identity Center: no permission set is assigned to you there`, fix: adminAsk(hop, acct, [], others), ...(err instanceof AtmosAuthError && err.hint ? { detail: err.hint } : {}) }];
    }
    const hint = err instanceof AtmosAuthError && err.hint ? err.hint : `ask your AWS admin for access to account ${acct}`;
    return [{ id: 'permission-set', status: 'fail', summary: `account ${acct}: ${oneLine(err)}`, fix: hint }];
  }
  const where = hop.account.name && hop.account.name !== accountId ? `${hop.account.name} (${accountId})` : accountId;
  if (roles.includes(hop.permissionSet)) {
    return [{ id: 'permission-set', status: 'ok', summary: `${hop.permissionSet} is assigned to you in account ${where}`, detail: `you have there: ${roles.join(', ')}` }];
  }
  const fix = adminAsk(hop, where, roles, others);
  return [{
    id: 'permission-set', status: 'fail',
    summary: `${hop.permissionSet} is not assigned to you in account ${where} (you have there: ${roles.length ? roles.join(', ') : 'nothing'})`,
    fix,
  }];
}
