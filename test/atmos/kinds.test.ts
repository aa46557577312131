// The identity kinds of issue 12, section 3, as the engine reads them (offline): aws/assume-root's
// fields and neighbours as Atmos validates them (pkg/auth/identities/aws/assume_root.go), the ambient
// kinds as chain roots without via (identities/aws/ambient.go, identities/ambient/ambient.go), and
// Atmos's other kinds as `unsupported` hops (pkg/auth/factory/factory.go).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveDirectory } from '../../src/atmos/resolve.ts';
import { fromAmbient, unsupportedHop, UNSUPPORTED_IDENTITY_KINDS, UNSUPPORTED_PROVIDER_KINDS } from '../../src/atmos/kinds.ts';
import { cleanEnv, repo, errorOf } from './helpers.ts';

const SSO = '    sso:\n      kind: aws/iam-identity-center\n      start_url: https://x.awsapps.com/start\n      region: us-east-1\n';
const MGMT = '    mgmt:\n      kind: aws/permission-set\n      via: {provider: sso}\n      principal: {name: Admin, account: {id: "111111111111"}}\n';
const AUDIT = 'arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials';

/** A repository whose atmos.yaml has `ids` (YAML lines under identities:) and `providers`. */
function mk(ids: string, providers = SSO): string {
  return repo({ 'atmos.yaml': `base_path: "."\nauth:\n  providers:\n${providers}  identities:\n${ids}` });
}

const chainOf = (dir: string, identity: string) => resolveDirectory({ dir, env: cleanEnv({ ATMOS_IDENTITY: identity }) }).chain;


const root = (principal: string, via = 'via: {identity: mgmt}') => `${MGMT}    root:\n      kind: aws/assume-root\n      ${via}\n      principal: ${principal}\n`;

test('aws/assume-root: fields read as Atmos reads them; duration capped at 900 s', () => {
  const r = mk(root(`{target_principal: "222222222222", task_policy_arn: ${AUDIT}, duration: 30m, region: eu-west-1}`));
  assert.equal(chainOf(r, 'root'), [
    { kind: 'aws/iam-identity-center', name: 'sso', startUrl: 'https://x.awsapps.com/start', region: 'us-east-1' },
    { kind: 'aws/permission-set', name: 'mgmt', permissionSet: 'Admin', account: { id: '111111111111' } },
    { kind: 'aws/assume-root', name: 'root', targetPrincipal: '222222222222', taskPolicyArn: AUDIT, duration: 900, region: 'eu-west-1' },
  ]);
  const short = mk(root(`{target_principal: "222222222222", task_policy_arn: ${AUDIT}, duration: 5m}`));
  assert.is((chainOf(short, 'root')[2] as { duration?: number }).duration, 300);
  // time.ParseDuration needs a unit; Atmos ignores (and logs) what it cannot parse: AWS's default then.
  for (const d of ['600', '"600"', 'soon']) {
    const odd = mk(root(`{target_principal: "222222222222", task_policy_arn: ${AUDIT}, duration: ${d}}`));
    assert.is((chainOf(odd, 'root')[2] as { duration?: number }).duration, undefined, d);
  }
});

test('aws/assume-root: target_principal and task_policy_arn are checked, with file and line', () => {
  const cases: Array<[string, RegExp]> = [
    [`{task_policy_arn: ${AUDIT}}`, /needs principal\.target_principal \(the 12-digit member account id\)/],
    [`{target_principal: "12345", task_policy_arn: ${AUDIT}}`, /target_principal must be a 12-digit AWS account id, not '12345'/],
    [`{target_principal: 222222222222, task_policy_arn: ${AUDIT}}`, /target_principal must be a quoted string/],
    ['{target_principal: "222222222222"}', /needs principal\.task_policy_arn/],
    ['{target_principal: "222222222222", task_policy_arn: "arn:aws:iam::aws:policy/AdministratorAccess"}', /must be an AWS-managed root task policy \(arn:aws:iam::aws:policy\/root-task\/\.\.\.\)/],
  ];
  for (const [principal, re] of cases) {
    const e = errorOf(() => chainOf(mk(root(principal)), 'root'));
    assert.match(e.message, re, principal);
    assert.match(e.pos?.file ?? '', /atmos\.yaml$/);
    assert.is(e.pos?.line, 16, principal); // the principal: line of the identity's principal map
  }
});

test('aws/assume-root needs AWS credentials from the previous hop: not straight from an SSO or OIDC provider', () => {
  const fromSso = mk(root(`{target_principal: "222222222222", task_policy_arn: ${AUDIT}}`, 'via: {provider: sso}'));
  const e = errorOf(() => chainOf(fromSso, 'root'));
  assert.match(e.message, /'root' \(aws\/assume-root\) needs AWS credentials to call AssumeRoot with, and 'sso' \(aws\/iam-identity-center\) gives none/);
  assert.match(e.render(), /management account or a delegated administrator/);
  assert.is(e.pos?.line, 15); // its via
  const gh = mk(root(`{target_principal: "222222222222", task_policy_arn: ${AUDIT}}`, 'via: {provider: gh}'), `${SSO}    gh:\n      kind: github/oidc\n`);
  assert.match(errorOf(() => chainOf(gh, 'root')).message, /'gh' \(github\/oidc\) gives none/);
  // From an IAM user (a standalone root) it is fine.
  const user = mk(`    admin:\n      kind: aws/user\n    root:\n      kind: aws/assume-root\n      via: {identity: admin}\n      principal: {target_principal: "222222222222", task_policy_arn: ${AUDIT}}\n`);
  assert.equal(chainOf(user, 'root').map((h) => h.kind), ['aws/user', 'aws/assume-root']);
});

test('aws/ambient and ambient: chain roots without via; via is an error; principal.region for aws/ambient only', () => {
  const r = mk('    env:\n      kind: aws/ambient\n      principal: {region: eu-west-1}\n    pass:\n      kind: ambient\n      principal: {region: eu-west-1}\n    role:\n      kind: aws/assume-role\n      via: {identity: env}\n      principal: {assume_role: "arn:aws:iam::2:role/r"}\n');
  assert.equal(chainOf(r, 'env'), [{ kind: 'aws/ambient', name: 'env', region: 'eu-west-1' }]);
  assert.equal(chainOf(r, 'pass'), [{ kind: 'ambient', name: 'pass' }]);
  const chained = chainOf(r, 'role');
  assert.equal(chained.map((h) => h.kind), ['aws/ambient', 'aws/assume-role']);
  assert.ok(fromAmbient(chained));
  assert.not.ok(fromAmbient(chainOf(mk(MGMT), 'mgmt')));
  for (const kind of ['aws/ambient', 'ambient']) {
    const bad = mk(`    env:\n      kind: ${kind}\n      via: {provider: sso}\n`);
    const e = errorOf(() => chainOf(bad, 'env'));
    assert.match(e.message, new RegExp(`'env' \\(${kind.replace('/', '\\/')}\\) must not define via`));
    assert.is(e.pos?.line, 11); // the via line
  }
});

test('nothing can be chained from a generic ambient identity (it yields no credentials)', () => {
  const r = mk('    pass:\n      kind: ambient\n    role:\n      kind: aws/assume-role\n      via: {identity: pass}\n      principal: {assume_role: "arn:aws:iam::2:role/r"}\n');
  const e = errorOf(() => chainOf(r, 'role'));
  assert.match(e.message, /'role' goes via identity 'pass' \(kind ambient\), which yields no credentials to chain from/);
  assert.match(e.render(), /use kind aws\/ambient for 'pass'/);
  assert.is(e.pos?.line, 13); // role's via
});

test("Atmos's other kinds become unsupported hops (any via followed), typos still fail with a guess", () => {
  const providers = `${SSO}    az:\n      kind: azure/oidc\n    saml:\n      kind: aws/saml\n      url: https://idp.example/saml\n`;
  const r = mk('    sub:\n      kind: azure/subscription\n      via: {provider: az}\n    emu:\n      kind: aws/emulator\n    pro:\n      kind: atmos/pro\n    ps:\n      kind: aws/permission-set\n      via: {provider: az}\n      principal: {name: P, account: {id: "1"}}\n    viasaml:\n      kind: aws/assume-role\n      via: {provider: saml}\n      principal: {assume_role: "arn:aws:iam::2:role/r"}\n', providers);
  const sub = chainOf(r, 'sub');
  assert.equal(sub, [
    { kind: 'unsupported', name: 'az', declaredKind: 'azure/oidc', role: 'provider' },
    { kind: 'unsupported', name: 'sub', declaredKind: 'azure/subscription', role: 'identity' },
  ]);
  assert.is(unsupportedHop(sub)?.name, 'sub');
  assert.equal(chainOf(r, 'emu'), [{ kind: 'unsupported', name: 'emu', declaredKind: 'aws/emulator', role: 'identity' }]);
  // A supported kind behind an unsupported provider: the chain is still Atmos's business.
  assert.is(unsupportedHop(chainOf(r, 'ps'))?.name, 'az');
  assert.is(unsupportedHop(chainOf(r, 'viasaml'))?.kind, 'aws/saml');
  assert.is(unsupportedHop(chainOf(r, 'pro'))?.kind, 'unsupported');
  const typo = mk('    x:\n      kind: azure/subscripton\n      via: {provider: sso}\n');
  const e = errorOf(() => chainOf(typo, 'x'));
  assert.match(e.message, /unsupported kind 'azure\/subscripton' \(did you mean 'azure\/subscription'\?\)/);
  // The lists are Atmos's: what the factory registers, gcp/oidc (a constant nobody registers) not.
  assert.ok((UNSUPPORTED_PROVIDER_KINDS as readonly string[]).includes('gcp/workload-identity-federation'));
  assert.not.ok((UNSUPPORTED_PROVIDER_KINDS as readonly string[]).includes('gcp/oidc'));
  assert.ok((UNSUPPORTED_IDENTITY_KINDS as readonly string[]).includes('kubernetes/emulator'));
  const gcpOidc = mk('    x:\n      kind: gcp/service-account\n      via: {provider: g}\n', `${SSO}    g:\n      kind: gcp/oidc\n`);
  assert.match(errorOf(() => chainOf(gcpOidc, 'x')).message, /provider 'g' has unsupported kind 'gcp\/oidc'/);
});

test.run();
