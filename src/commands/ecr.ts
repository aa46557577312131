/**
 * `atmos-auth ecr login`: the registry logins of the identity's aws/ecr integrations, written into
 * its own docker config directory (src/credentials/ecr.ts), whose path is printed: what the hook
 * exports as DOCKER_CONFIG. `docker`, `skopeo` and `buildah` read it there.
 */
import { ensureDockerConfig } from '../credentials/ecr.ts';
import { getCredentials } from '../credentials/get-credentials.ts';
import { implicitPolicy, resolveTarget } from '../credentials/target.ts';
import { AtmosAuthError } from '../errors.ts';
import { noticeUntrusted } from '../trust/trust.ts';
import { writeStdout } from '../util/stdio.ts';

export interface EcrLoginArgs {
  dir?: string;
  profile?: string;
  identity?: string;
  login?: boolean;
}

export async function runLogin(a: EcrLoginArgs): Promise<number> {
  const res = await resolveTarget(a);
  noticeUntrusted(res);
  if (!res.identity) throw new AtmosAuthError(`no identity applies here${res.reason ? `: ${res.reason}` : ''}`, { hint: 'pass --identity NAME' });
  if (!(res.integrations ?? []).some((i) => i.kind === 'aws/ecr')) {
    throw new AtmosAuthError(`identity ${res.identity} has no aws/ecr integration`, { hint: 'add one under auth.integrations with via.identity and spec.registry {account_id, region}' });
  }
  const { credentials } = await getCredentials(res, { login: implicitPolicy(a.login !== false), stderr: process.stderr });
  const dir = await ensureDockerConfig(res, credentials);
  writeStdout(`${dir}\n`);
  return 0;
}
