/**
 * `atmos-auth ecr login`: the registry logins of the identity's aws/ecr integrations, written into
 * its own docker config directory (src/credentials/ecr.ts), whose path is printed: what the hook
 * exports as DOCKER_CONFIG. `docker`, `skopeo` and `buildah` read it there.
 */
import { ensureDockerConfig } from '../credentials/ecr.ts';
import { writeStdout } from '../util/stdio.ts';
import { integrationTarget, type IntegrationArgs } from './integration-target.ts';

export type EcrLoginArgs = IntegrationArgs;

export async function runLogin(a: EcrLoginArgs): Promise<number> {
  const { res, credentials } = await integrationTarget(a, 'aws/ecr');
  writeStdout(`${await ensureDockerConfig(res, credentials)}\n`);
  return 0;
}
