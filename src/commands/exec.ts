/**
 * `atmos-auth exec -- cmd args`: runs a command with the identity's credentials in its environment
 * (never in its argv), forwards signals, and passes its exit status through.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { AtmosAuthError, UsageError } from '../errors.ts';
import { getCredentials } from '../credentials/get-credentials.ts';
import { integrationVars } from '../credentials/integrations.ts';
import { leaveProfileMode, mergeChanges, modeOf, profileModeChange } from '../credentials/profile-mode.ts';
import { implicitPolicy, resolveTarget, roleOf } from '../credentials/target.ts';
import { isStandaloneAmbient, unsupportedKindError } from '../atmos/kinds.ts';
import { ambientEnv, clearEnv, identityEnv, withIdentityVars } from '../shell/env.ts';
import type { EnvChange } from '../shell/format.ts';
import { noticeUntrusted } from '../trust/trust.ts';

export interface ExecArgs {
  identity?: string;
  dir?: string;
  profile?: string;
  stack?: string;
  component?: string;
  login?: boolean;
  /** env (keys) or profile (AWS_PROFILE + credential_process); default $ATMOS_AUTH_MODE, else env. */
  mode?: string;
  command?: string[];
}

/** The command to run does not exist (exit 127, as in shells). */
class CommandNotFoundError extends AtmosAuthError {
  override readonly exitCode: number = 127;
}

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'];

export async function run(a: ExecArgs): Promise<number> {
  const [cmd, ...args] = a.command ?? [];
  if (!cmd) throw new UsageError('name the command to run after --', { hint: 'e.g. atmos-auth exec -- aws sts get-caller-identity' });
  const mode = modeOf(a.mode);
  const res = await resolveTarget(a);
  let change: EnvChange;
  const odd = unsupportedKindError(res);
  if (odd) throw odd;
  if (res.identity && isStandaloneAmbient(res)) {
    // As Atmos's exec: the environment passes through (markers and principal.region aside).
    noticeUntrusted(res);
    change = withIdentityVars(mergeChanges(ambientEnv({ identity: res.identity, profiles: res.profiles, stacks: res.stacks, root: res.root, region: res.chain[0]!.region ?? null }), leaveProfileMode()), res.env, process.env);
  } else if (res.identity) {
    noticeUntrusted(res);
    const r = await getCredentials(res, { login: implicitPolicy(a.login !== false), stderr: process.stderr });
    const role = roleOf(r.hop);
    if (mode === 'profile') change = await profileModeChange(res, r, role);
    else change = mergeChanges(identityEnv({ credentials: r.credentials, identity: res.identity, profiles: res.profiles, stacks: res.stacks, root: res.root, region: res.region, ...(role ? { role } : {}) }), leaveProfileMode());
    change = withIdentityVars(change, res.env, process.env);
    if (res.integrations?.length) change = mergeChanges(change, { set: await integrationVars(res, r.credentials), unset: [] });
  } else {
    change = mergeChanges(clearEnv(process.env), leaveProfileMode());
  }
  const env: NodeJS.ProcessEnv = { ...process.env, ...change.set };
  for (const k of change.unset) delete env[k];

  return new Promise<number>((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: 'inherit', env });
    const handlers = FORWARDED.map((sig) => {
      const h = () => { child.kill(sig); };
      process.on(sig, h);
      return [sig, h] as const;
    });
    const cleanup = () => { for (const [sig, h] of handlers) process.off(sig, h); };
    child.on('error', (err: NodeJS.ErrnoException) => {
      cleanup();
      if (err.code === 'ENOENT') reject(new CommandNotFoundError(`command not found: ${cmd}`, { hint: 'check its name, or that its directory is on PATH' }));
      else reject(err);
    });
    child.on('exit', (code, signal) => {
      cleanup();
      if (signal) resolve(128 + (constants.signals[signal] ?? 1));
      else resolve(code ?? 1);
    });
  });
}
