/**
 * `atmos-auth credential-process`: the AWS `credential_process` protocol (JSON, Version 1). Called
 * by SDKs without a terminal: it never opens a browser or prompts; an expired session is one
 * message naming `atmos-auth login`.
 */
import { getCredentials } from '../credentials/get-credentials.ts';
import { resolveTarget } from '../credentials/target.ts';
import { rfc3339 } from '../shell/env.ts';
import { noticeUntrusted } from '../trust/trust.ts';

export interface CredentialProcessArgs {
  identity: string;
  profile?: string;
  root?: string;
}

export async function run(a: CredentialProcessArgs): Promise<number> {
  const res = await resolveTarget({ dir: a.root, profile: a.profile, identity: a.identity });
  noticeUntrusted(res);
  const { credentials: c } = await getCredentials(res, { login: 'never', stderr: process.stderr });
  const out: Record<string, string | number> = { Version: 1, AccessKeyId: c.accessKeyId, SecretAccessKey: c.secretAccessKey };
  if (c.sessionToken) out.SessionToken = c.sessionToken;
  if (c.expiration) out.Expiration = rfc3339(c.expiration);
  process.stdout.write(`${JSON.stringify(out)}\n`);
  return 0;
}
