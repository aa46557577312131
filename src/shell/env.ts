/**
 * Which environment variables atmos-auth owns, and the change that moves a shell into an identity
 * (or out of all of them). Pure functions: the hooks decide what to restore; this only says what
 * the identity needs.
 */
import type { AwsCredentials } from '../credentials/types.ts';
import type { EnvChange } from './format.ts';

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

/** Every variable an identity change may touch: what a hook must save before applying one. */
export const TOUCHED_VARS: readonly string[] = [...MANAGED_VARS, ...CONFLICTING_VARS, ...PROFILE_MODE_VARS];

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
  unset.push('ATMOS_AUTH_EXPIRATION', ...CONFLICTING_VARS);
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
  return { set: {}, unset: MANAGED_VARS.filter((k) => current[k] !== undefined) };
}
