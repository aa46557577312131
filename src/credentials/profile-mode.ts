/**
 * The two ways `export` and `exec` hand an identity to processes: `env` (keys in the environment,
 * as before) and `profile` (AWS_CONFIG_FILE + AWS_PROFILE naming a generated profile whose
 * credential_process refreshes by itself; no secret in the environment). See docs/profile-mode.md.
 */
import type { Resolution } from '../atmos/types.ts';
import { UsageError } from '../errors.ts';
import { debug } from '../log.ts';
import { profileEnv } from '../shell/env.ts';
import type { EnvChange } from '../shell/format.ts';
import { selfCommand } from '../shell/scripts.ts';
import { configSource, ensureProfile, isGeneratedConfig, isGeneratedProfileName, type ProfileTarget } from './aws-config-file.ts';
import type { CredentialsResult } from './get-credentials.ts';

export type CredentialsMode = 'env' | 'profile';

/** `--mode`, else ATMOS_AUTH_MODE, else env. */
export function modeOf(arg: string | undefined, env: NodeJS.ProcessEnv = process.env): CredentialsMode {
  const m = arg ?? (env.ATMOS_AUTH_MODE || 'env');
  if (m === 'env' || m === 'profile') return m;
  throw new UsageError(`unknown mode '${m}'${arg === undefined ? ' (from ATMOS_AUTH_MODE)' : ''}`, { hint: 'use --mode env (keys in the environment) or --mode profile (AWS_PROFILE + credential_process)' });
}

/** What the generated profile pins for this resolution (the child's cwd and ATMOS_* do not matter). */
export function targetOf(res: Resolution, env: NodeJS.ProcessEnv = process.env): ProfileTarget {
  const t: ProfileTarget = { identity: res.identity ?? '', profiles: res.profiles, root: res.root ?? '', region: res.region };
  if (env.ATMOS_CLI_CONFIG_PATH) t.cliConfigPath = env.ATMOS_CLI_CONFIG_PATH;
  if (env.ATMOS_BASE_PATH) t.basePath = env.ATMOS_BASE_PATH;
  return t;
}

/**
 * When the user must next sign in, for the prompt: the SSO session's end for an IAM Identity
 * Center chain (read offline from the token caches), else the credentials' own expiry.
 */
async function sessionEnd(res: Resolution, r: CredentialsResult): Promise<Date | undefined> {
  const root = res.chain[0];
  if (root?.kind === 'aws/iam-identity-center') {
    try {
      // token-cache.ts alone (not sso-session.ts and its login code): this is on the warm `cd`.
      const { locateToken, readCandidates } = await import('../aws/token-cache.ts');
      const p = { name: root.name, startUrl: root.startUrl, region: root.region };
      const latest = readCandidates(p, locateToken(p)).map((t) => t.expiresAt.getTime()).sort((x, y) => y - x)[0];
      if (latest !== undefined) return new Date(latest);
    } catch (err) {
      debug(`profile mode: SSO session end unknown (${(err as Error).message})`);
    }
  }
  return r.credentials.expiration;
}

/** The change that puts a process into `res.identity` in profile mode (writing the profile first). */
export async function profileModeChange(res: Resolution, r: CredentialsResult, role: string | undefined, cmd: readonly string[] = selfCommand()): Promise<EnvChange> {
  if (!res.root) throw new UsageError('profile mode needs an Atmos repository (the credential_process is pinned to it)');
  const ensured = await ensureProfile(targetOf(res), { cmd });
  const expiration = await sessionEnd(res, r);
  return profileEnv({
    configFile: ensured.file,
    awsProfile: ensured.profile,
    identity: res.identity ?? '',
    profiles: res.profiles,
    stacks: res.stacks,
    root: res.root,
    region: res.region,
    ...(role ? { role } : {}),
    ...(expiration ? { expiration } : {}),
  });
}

/**
 * What undoes profile mode in an environment that has it (used where env mode or no identity
 * applies): AWS_CONFIG_FILE back to the user's own (as recorded in the generated file), and our
 * AWS_PROFILE removed. Nothing when AWS_CONFIG_FILE is not ours.
 */
export function leaveProfileMode(current: NodeJS.ProcessEnv = process.env): EnvChange {
  if (!isGeneratedConfig(current.AWS_CONFIG_FILE)) return { set: {}, unset: [] };
  const src = configSource(current);
  const change: EnvChange = src.fromEnv ? { set: { AWS_CONFIG_FILE: src.path }, unset: [] } : { set: {}, unset: ['AWS_CONFIG_FILE'] };
  if (current.AWS_PROFILE !== undefined && isGeneratedProfileName(current.AWS_PROFILE)) change.unset.push('AWS_PROFILE');
  return change;
}

/** `a` then `b` (b wins), keeping a name out of both lists. */
export function mergeChanges(a: EnvChange, b: EnvChange): EnvChange {
  const set = { ...a.set };
  const unset = new Set(a.unset);
  for (const k of b.unset) {
    delete set[k];
    unset.add(k);
  }
  for (const [k, v] of Object.entries(b.set)) {
    unset.delete(k);
    set[k] = v;
  }
  return { set, unset: [...unset] };
}
