/**
 * `atmos-auth credential-process`: the AWS `credential_process` protocol (JSON, Version 1). Called
 * by SDKs without a terminal: it never opens a browser or prompts; an expired session is one
 * message naming `atmos-auth login`.
 *
 * `--target` (what profile mode writes) pins identity, Atmos profiles, repository and ATMOS_*
 * paths in one opaque word, so the answer does not depend on the child's cwd or environment.
 */
import { decodeTarget } from '../credentials/aws-config-file.ts';
import { getCredentials } from '../credentials/get-credentials.ts';
import { resolveTarget, type TargetArgs } from '../credentials/target.ts';
import { UsageError } from '../errors.ts';
import { rfc3339 } from '../shell/env.ts';
import { noticeUntrusted } from '../trust/trust.ts';
import { writeStdout } from '../util/stdio.ts';

export interface CredentialProcessArgs {
  identity?: string;
  profile?: string;
  root?: string;
  /** base64url target written by profile mode (instead of identity/profile/root). */
  target?: string;
}

/** The resolve arguments of `a`; with --target, also pins the ATMOS_* inputs in process.env. */
function targetArgs(a: CredentialProcessArgs): TargetArgs {
  if (!a.target) {
    if (!a.identity) throw new UsageError('credential-process needs an identity', { hint: 'pass --identity NAME (or --target from a generated profile); atmos-auth list shows the identities' });
    return { dir: a.root, profile: a.profile, identity: a.identity };
  }
  if (a.identity || a.profile || a.root) throw new UsageError('--target already names the identity, profile and root: pass it alone', { hint: 'drop --identity/--profile/--root, or rewrite the profile: atmos-auth export --mode profile' });
  const t = decodeTarget(a.target);
  const pin = (k: string, v: string | undefined) => {
    if (v) process.env[k] = v;
    else delete process.env[k];
  };
  pin('ATMOS_PROFILE', t.profiles.join(',') || undefined);
  pin('ATMOS_CLI_CONFIG_PATH', t.cliConfigPath);
  pin('ATMOS_BASE_PATH', t.basePath);
  return { dir: t.root, profile: t.profiles.join(',') || undefined, identity: t.identity };
}

export async function run(a: CredentialProcessArgs): Promise<number> {
  const res = await resolveTarget(targetArgs(a));
  noticeUntrusted(res);
  // stderr as a getter: building process.stderr costs milliseconds and a warm run never writes.
  const { credentials: c } = await getCredentials(res, { login: 'never', get stderr() { return process.stderr; } });
  const out: Record<string, string | number> = { Version: 1, AccessKeyId: c.accessKeyId, SecretAccessKey: c.secretAccessKey };
  if (c.sessionToken) out.SessionToken = c.sessionToken;
  if (c.expiration) out.Expiration = rfc3339(c.expiration);
  writeStdout(`${JSON.stringify(out)}\n`);
  return 0;
}
