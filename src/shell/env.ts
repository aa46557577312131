/**
 * Which environment variables atmos-auth owns, and the change that moves a shell into an identity
 * (or out of all of them). Pure functions: the hooks decide what to restore; this only says what
 * the identity needs.
 */
import { envDenial } from '../atmos/env-denylist.ts';
import type { EnvEntry } from '../atmos/types.ts';
import type { AwsCredentials } from '../credentials/types.ts';
import { AtmosAuthError } from '../errors.ts';
import type { EnvChange } from './format.ts';

/**
 * Names (space separated) of the variables the identity's `env:` sets beyond the fixed ones: the
 * hooks save and restore those too, and the next export removes the ones the next identity lacks.
 */
export const ENV_KEYS_VAR = 'ATMOS_AUTH_ENV_KEYS';

/** Variables atmos-auth sets for an identity. */
export const MANAGED_VARS = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_CREDENTIAL_EXPIRATION',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'ATMOS_AUTH_IDENTITY',
  'ATMOS_AUTH_PROFILE',
  'ATMOS_AUTH_STACK',
  'ATMOS_AUTH_ROOT',
  'ATMOS_AUTH_ACCESS',
  'ATMOS_AUTH_EXPIRATION',
  ENV_KEYS_VAR,
  'ATMOS_AUTH_KUBE_CONTEXT',
] as const;

/**
 * Variables that would make AWS tools ignore the keys we set (a profile, a web identity) or that
 * carry stale keys. Removed while an identity is active; the hooks restore them on leaving.
 * ATMOS_IDENTITY and AWS_PROFILE are never exported by us: Atmos reads them as inputs.
 */
export const CONFLICTING_VARS = [
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'AWS_SECURITY_TOKEN',
  'AWS_ROLE_ARN',
  'AWS_ROLE_SESSION_NAME',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
] as const;

/**
 * Set in profile mode (with AWS_PROFILE) to atmos-auth's generated config file; the user may have
 * their own value, so the hooks save and restore it like the conflicting ones.
 */
export const PROFILE_MODE_VARS = ['AWS_CONFIG_FILE'] as const;

/**
 * Set for an identity with aws/eks or aws/ecr integrations to the kubeconfig and docker config
 * atmos-auth keeps for it (KUBE_CONFIG_PATH as Atmos sets it too, for terraform's kubernetes
 * provider). The user's own values are saved and come back with any identity that has none: the
 * hooks apply every identity over the user's values.
 */
export const INTEGRATION_VARS = ['KUBECONFIG', 'KUBE_CONFIG_PATH', 'DOCKER_CONFIG'] as const;

/** Every variable an identity change may touch: what a hook must save before applying one. */
export const TOUCHED_VARS: readonly string[] = [...MANAGED_VARS, ...CONFLICTING_VARS, ...PROFILE_MODE_VARS, ...INTEGRATION_VARS];

/** What the identity is allowed to do, for the prompt: from the permission set or role name. */
export type AccessLevel = 'apply' | 'plan' | 'state' | 'admin' | 'read' | '';

/** Guesses apply/plan/state from a permission set or role name (TerraformPlanAccess -> plan). */
export function accessLevel(roleOrPermissionSet: string | undefined): AccessLevel {
  const s = (roleOrPermissionSet ?? '').toLowerCase();
  if (!s) return '';
  if (/apply|terraform$|-terraform\b|write|poweruser/.test(s)) return 'apply';
  if (/plan/.test(s)) return 'plan';
  if (/state/.test(s)) return 'state';
  if (/admin/.test(s)) return 'admin';
  if (/read|view|audit/.test(s)) return 'read';
  return '';
}

/** RFC 3339 UTC without milliseconds, as the AWS CLI and SDKs write AWS_CREDENTIAL_EXPIRATION. */
export function rfc3339(d: Date): string {
  const y = d.getUTCFullYear();
  // Date#toISOString costs 0.2 ms on its first call in a process (a warm `cd` makes one), the UTC
  // getters microseconds. Years outside 0-9999 (and invalid dates: RangeError) take the long way.
  if (!(y >= 0 && y <= 9999)) return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(y, 4)}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}T${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}Z`;
}

export interface IdentityEnvInput {
  credentials: AwsCredentials;
  identity: string;
  profiles: string[];
  stacks: string[];
  root: string | null;
  region: string | null;
  /** Permission set or role name of the last hop, for ATMOS_AUTH_ACCESS. */
  role?: string;
}

/** The change that puts a shell into `identity` with `credentials`. */
export function identityEnv(i: IdentityEnvInput): EnvChange {
  const set: Record<string, string> = {
    AWS_ACCESS_KEY_ID: i.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: i.credentials.secretAccessKey,
  };
  const unset: string[] = [];
  if (i.credentials.sessionToken) set.AWS_SESSION_TOKEN = i.credentials.sessionToken;
  else unset.push('AWS_SESSION_TOKEN');
  if (i.credentials.expiration) set.AWS_CREDENTIAL_EXPIRATION = rfc3339(i.credentials.expiration);
  else unset.push('AWS_CREDENTIAL_EXPIRATION');
  addMarkers(i, set, unset);
  // The kube context marker belongs to integrations (added after this change when there are any).
  unset.push('ATMOS_AUTH_EXPIRATION', 'ATMOS_AUTH_KUBE_CONTEXT', ...CONFLICTING_VARS);
  return { set, unset };
}

/** What both modes set besides credentials: region, and the ATMOS_AUTH_* markers the prompt reads. */
function addMarkers(i: Omit<IdentityEnvInput, 'credentials'>, set: Record<string, string>, unset: string[]): void {
  if (i.region) {
    set.AWS_REGION = i.region;
    set.AWS_DEFAULT_REGION = i.region;
  }
  set.ATMOS_AUTH_IDENTITY = i.identity;
  set.ATMOS_AUTH_PROFILE = i.profiles.join(',');
  set.ATMOS_AUTH_STACK = i.stacks.join(',');
  set.ATMOS_AUTH_ROOT = i.root ?? '';
  const access = accessLevel(i.role);
  if (access) set.ATMOS_AUTH_ACCESS = access;
  else unset.push('ATMOS_AUTH_ACCESS');
}

/**
 * An ambient identity (aws/ambient, ambient): the markers (and the identity's own region, when it
 * names one) and nothing else. The environment's credentials, AWS_PROFILE included, stay as they
 * are, as Atmos leaves them (identities/aws/ambient.go:150-176, identities/ambient/ambient.go:91-105).
 */
export function ambientEnv(i: Omit<IdentityEnvInput, 'credentials'>): EnvChange {
  const set: Record<string, string> = {};
  const unset: string[] = [];
  addMarkers(i, set, unset);
  unset.push('ATMOS_AUTH_EXPIRATION');
  return { set, unset };
}

export interface ProfileEnvInput extends Omit<IdentityEnvInput, 'credentials'> {
  /** The generated AWS config file and the profile in it. */
  configFile: string;
  awsProfile: string;
  /** When the user must next log in (SSO session end), for the prompt; not a secret. */
  expiration?: Date;
}

/**
 * Profile mode: no keys in the environment, only AWS_CONFIG_FILE + AWS_PROFILE naming a profile
 * whose credential_process refreshes by itself; the same markers as identityEnv for the prompt.
 */
export function profileEnv(i: ProfileEnvInput): EnvChange {
  const set: Record<string, string> = { AWS_CONFIG_FILE: i.configFile, AWS_PROFILE: i.awsProfile };
  const unset: string[] = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_CREDENTIAL_EXPIRATION'];
  addMarkers(i, set, unset);
  if (i.expiration) set.ATMOS_AUTH_EXPIRATION = rfc3339(i.expiration);
  else unset.push('ATMOS_AUTH_EXPIRATION');
  unset.push(...CONFLICTING_VARS.filter((k) => k !== 'AWS_PROFILE'));
  return { set, unset };
}

/**
 * The change that removes what identityEnv set, given the current environment: used where no
 * identity applies. Only acts when the shell carries our marker (ATMOS_AUTH_IDENTITY), so it never
 * wipes keys the user set by hand.
 */
export function clearEnv(current: NodeJS.ProcessEnv): EnvChange {
  if (current.ATMOS_AUTH_IDENTITY === undefined) return { set: {}, unset: [] };
  const extra = previousEnvKeys(current).filter((k) => current[k] !== undefined);
  return { set: {}, unset: [...MANAGED_VARS.filter((k) => current[k] !== undefined), ...extra] };
}

const TOUCHED = new Set(TOUCHED_VARS);

/** The extra names the shell's current identity set (from ENV_KEYS_VAR), valid names only. */
function previousEnvKeys(current: NodeJS.ProcessEnv): string[] {
  const v = current[ENV_KEYS_VAR];
  if (!v) return [];
  return v.split(' ').filter((k) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) && !TOUCHED.has(k) && envDenial(k) === null);
}

/**
 * Adds the identity's `env:` entries to `change` (last, so they win over AWS_REGION as in Atmos:
 * pkg/auth/identities/aws/permission_set.go:203-206). ENV_KEYS_VAR comes first in `set`, so that it
 * is the first line of every shell format: the hooks read it before applying the rest, to save the
 * user's values of those names. Extra names of the previous identity that this one does not set
 * are removed (the hooks then put the user's own values back).
 */
export function withIdentityVars(change: EnvChange, entries: readonly EnvEntry[] | undefined, current: NodeJS.ProcessEnv): EnvChange {
  const list = entries ?? [];
  const extra: string[] = [];
  for (const e of list) {
    // resolve validated them; a resolution cache entry is checked again rather than trusted.
    const why = envDenial(e.key);
    if (why || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(e.key)) throw new AtmosAuthError(`refusing env entry ${JSON.stringify(e.key)}${why ? `: it ${why}` : ''}`);
    if (!TOUCHED.has(e.key)) extra.push(e.key);
  }
  const set: Record<string, string> = {};
  const unset = new Set(change.unset);
  if (extra.length) set[ENV_KEYS_VAR] = extra.join(' ');
  else if (list.length || current[ENV_KEYS_VAR] !== undefined) unset.add(ENV_KEYS_VAR);
  for (const [k, v] of Object.entries(change.set)) if (k !== ENV_KEYS_VAR) set[k] = v;
  for (const e of list) {
    set[e.key] = e.value;
    unset.delete(e.key);
  }
  if (extra.length) unset.delete(ENV_KEYS_VAR);
  for (const k of previousEnvKeys(current)) if (!(k in set)) unset.add(k);
  return { set, unset: [...unset] };
}
