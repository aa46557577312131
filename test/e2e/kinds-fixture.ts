// Profile "kinds" for the acme copy of a test sandbox: the identity kinds of issue 12, section 3,
// on the plat-* stacks (shared by test/e2e/kinds.test.ts and test/shell/kinds.test.ts).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ACME_ACCOUNTS } from '../fake-aws/scenario.ts';

const AUDIT = 'arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials';

/**
 * Profile "kinds": every `<account>/terraform` the acme stacks default to (so that the whole
 * repository resolves), with plat-* replaced by the new kinds.
 */
export function kindsProfile(): Record<string, unknown> {
  const identities: Record<string, unknown> = {};
  for (const a of ACME_ACCOUNTS) {
    identities[`${a.accountName}/terraform`] = { kind: 'aws/permission-set', via: { provider: 'acme-sso' }, principal: { name: 'TerraformPlanAccess', account: { name: a.accountName } } };
  }
  Object.assign(identities, {
    'core-root/admin': { kind: 'aws/permission-set', via: { provider: 'acme-sso' }, principal: { name: 'TerraformApplyAccess', account: { name: 'core-root' } } },
    'plat-dev/admin': { kind: 'aws/permission-set', via: { provider: 'acme-sso' }, principal: { name: 'TerraformApplyAccess', account: { name: 'plat-dev' } } },
    // Root of plat-sandbox from the management account (core-root); 20m is capped at 900 s.
    'plat-sandbox/terraform': { kind: 'aws/assume-root', via: { identity: 'core-root/admin' }, principal: { target_principal: '200000000000', task_policy_arn: AUDIT, duration: '20m' } },
    // 5 minutes: under the 6 a root session must have left to be reused.
    'plat-sandbox/short': { kind: 'aws/assume-root', via: { identity: 'core-root/admin' }, principal: { target_principal: '200000000000', task_policy_arn: AUDIT, duration: '5m' } },
    // The same from plat-dev, which is no management account: AssumeRoot is refused.
    'plat-sandbox/from-dev': { kind: 'aws/assume-root', via: { identity: 'plat-dev/admin' }, principal: { target_principal: '200000000000', task_policy_arn: AUDIT } },
    'plat-staging/terraform': { kind: 'aws/ambient', principal: { region: 'eu-west-1' } },
    'plat-prod/terraform': { kind: 'aws/assume-role', via: { identity: 'plat-staging/terraform' }, principal: { assume_role: 'arn:aws:iam::200000000003:role/acme-plat-prod-terraform' } },
    passthrough: { kind: 'ambient' },
    'plat-dev/terraform': { kind: 'azure/subscription', via: { provider: 'azure' } },
    'gcp-sa': { kind: 'gcp/service-account', via: { provider: 'gcp' } },
    'local-emulator': { kind: 'aws/emulator' },
  });
  return { auth: { providers: { azure: { kind: 'azure/cli' }, gcp: { kind: 'gcp/adc' } }, identities } };
}

/** Writes profiles/kinds/atmos.yaml (JSON is YAML) into the sandbox's acme copy. */
export function writeKindsProfile(acme: string, profile: Record<string, unknown> = kindsProfile()): void {
  mkdirSync(join(acme, 'profiles/kinds'), { recursive: true });
  writeFileSync(join(acme, 'profiles/kinds/atmos.yaml'), JSON.stringify(profile, null, 2));
}
