/**
 * `atmos-auth export`: the lines that move the current shell into the directory's identity (or out
 * of ours when none applies). Output is written once, at the end: on any error stdout stays empty.
 */
import { appendFileSync } from 'node:fs';
import { getCredentials } from '../credentials/get-credentials.ts';
import { integrationVars } from '../credentials/integrations.ts';
import { leaveProfileMode, mergeChanges, modeOf, profileModeChange } from '../credentials/profile-mode.ts';
import { implicitPolicy, resolveTarget, roleOf } from '../credentials/target.ts';
import { isStandaloneAmbient, UNSUPPORTED_KIND_EXIT, unsupportedHop, unsupportedKindError } from '../atmos/kinds.ts';
import type { Resolution } from '../atmos/types.ts';
import { debug } from '../log.ts';
import { ambientEnv, clearEnv, identityEnv, withIdentityVars } from '../shell/env.ts';
import { getFormat, type EnvChange } from '../shell/format.ts';
import { admitHook, noticeUntrusted, requireRecord, requireTrust, type TrustRecord } from '../trust/trust.ts';
import { assertNoHotMiss, route } from '../util/hot-state.ts';
import { writeStdout } from '../util/stdio.ts';

export interface ExportArgs {
  format?: string;
  dir?: string;
  identity?: string;
  profile?: string;
  stack?: string;
  component?: string;
  login?: boolean;
  /** env (keys) or profile (AWS_PROFILE + credential_process); default $ATMOS_AUTH_MODE, else env. */
  mode?: string;
}

/** Variables whose values GitHub must mask in logs. */
const SECRET_VARS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'];

/**
 * GitHub Actions: values go to the $GITHUB_ENV file (appended here, so a step needs no redirect),
 * and stdout carries only `::add-mask::` commands, printed before the file is written.
 */
function writeGithub(text: string, change: EnvChange): void {
  const file = process.env.GITHUB_ENV;
  if (!file) {
    writeStdout(text);
    return;
  }
  const masks = SECRET_VARS.map((k) => change.set[k]).filter((v): v is string => !!v).map((v) => `::add-mask::${v}\n`);
  writeStdout(masks.join(''));
  assertNoHotMiss();
  if (text) appendFileSync(file, text);
  debug(`appended ${Object.keys(change.set).length + change.unset.length} variable(s) to $GITHUB_ENV`);
}

/**
 * For an identity whose chain has a kind atmos-auth does not implement: stdout stays empty and the
 * exit status is UNSUPPORTED_KIND_EXIT. The advice goes to stderr (UnsupportedKindError) unless
 * ATMOS_AUTH_UNSUPPORTED_SAID is set: the hook sets it where it has shown it once already.
 */
function refuseUnsupported(res: Resolution): number {
  const err = unsupportedKindError(res)!;
  debug(`export: ${err.message}`);
  if (process.env.ATMOS_AUTH_UNSUPPORTED_SAID) return UNSUPPORTED_KIND_EXIT;
  throw err;
}

export async function run(a: ExportArgs): Promise<number> {
  const format = getFormat(a.format ?? 'bash');
  const mode = modeOf(a.mode);
  // The hook's run (no --identity; ATMOS_IDENTITY from the environment does not count): the
  // repository must be allowed before any of its YAML is read. On a resolution cache miss,
  // admitHook finds the root by file existence and reads its record before the engine runs; on a
  // hit (no YAML read either) the record of the cached root is read. Either way once, and checked
  // against the resolved chain below. A directory where no identity applies in a repository that
  // is not allowed gets the same refusal: knowing would take reading its YAML.
  let record: TrustRecord | null | undefined;
  const res = await resolveTarget(a.identity ? a : { ...a, beforeParse: () => { record = admitHook(a.dir ?? process.cwd()); } });
  if (!a.identity && record === undefined) record = res.root ? requireRecord(res.root) : null;
  let change: EnvChange;
  route.push(res.identity ? mode : 'none', format.name);
  if (!res.identity) {
    debug(`export: no identity (${res.reason ?? 'none'}): clearing what atmos-auth set`);
    change = mergeChanges(clearEnv(process.env), leaveProfileMode());
  } else if (unsupportedHop(res.chain)) {
    // Before the trust check: nothing is fetched for such an identity, and the advice is the news.
    return refuseUnsupported(res);
  } else if (isStandaloneAmbient(res)) {
    if (a.identity) noticeUntrusted(res);
    else requireTrust(res, record);
    const hop = res.chain[0]!;
    debug(`export: ${res.identity} is ${hop.kind}: the environment's credentials stay as they are`);
    route.push('ambient');
    change = withIdentityVars(mergeChanges(ambientEnv({ identity: res.identity, profiles: res.profiles, stacks: res.stacks, root: res.root, region: hop.region ?? null }), leaveProfileMode()), res.env, process.env);
  } else {
    // The hook's run (no --identity) needs an allowed repository; --identity is the user's choice.
    if (a.identity) noticeUntrusted(res);
    else requireTrust(res, record);
    // Getters: the terminal check and process.stderr cost milliseconds, and a warm run (cache hit)
    // needs neither.
    const r = await getCredentials(res, {
      get login() { return implicitPolicy(a.login !== false); },
      get stderr() { return process.stderr; },
      // The hook pins the account ids SSO resolves account names to (a cache miss only).
      ...(a.identity ? {} : { onAccountId: async (hop, id) => (await import('../trust/accounts.ts')).pinAccountId(res, hop, id) }),
    });
    const role = roleOf(r.hop);
    if (mode === 'profile') change = await profileModeChange(res, r, role);
    else change = mergeChanges(identityEnv({
      credentials: r.credentials,
      identity: res.identity,
      profiles: res.profiles,
      stacks: res.stacks,
      root: res.root,
      region: res.region,
      ...(role ? { role } : {}),
    }), leaveProfileMode());
    change = withIdentityVars(change, res.env, process.env);
    // kubectl and docker follow the identity (KUBECONFIG, DOCKER_CONFIG): src/credentials/integrations.ts.
    if (res.integrations?.length) change = mergeChanges(change, { set: await integrationVars(res, r.credentials), unset: [] });
  }
  const text = format.render(change);
  if (format.name === 'github') writeGithub(text, change);
  else writeStdout(text);
  return 0;
}
