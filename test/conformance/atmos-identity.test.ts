// Conformance: what ATMOS_IDENTITY does (pkg/config/identity_test.go for the values that disable
// authentication, pkg/auth/manager_case_test.go for name matching, the precedence of
// docs/fixes/stack-level-default-auth-identity.md, and the one-stack path that merges the stack's
// auth before it looks at the identity, internal/exec/terraform_execute_helpers.go).
import { atmosYaml, marks, runCases, type Case } from './helpers.ts';

const IT = 'pkg/config/identity_test.go';
const MC = 'pkg/auth/manager_case_test.go';

const base = {
  'atmos.yaml': atmosYaml(['prod-admin', 'aws-sso-admin', 'offline', 'Mixed-Case', 'config-default*']),
  'stacks/dev.yaml': marks({ 'aws-sso-admin': true }),
};

// identity_test.go lists each disabling spelling on its own line; one case each.
const disabling: [string, number][] = [['false', 25], ['FALSE', 30], ['False', 35], ['0', 40], ['no', 45], ['NO', 50], ['No', 55], ['off', 60], ['OFF', 65], ['Off', 70]];

const cases: Case[] = [
  ...disabling.map(([v, line], i): Case => ({
    id: `ID${String(i + 1).padStart(2, '0')}`, atmos: `${IT}:${line}; pkg/config/identity.go:21-24`,
    says: `ATMOS_IDENTITY=${v} disables authentication: no identity, source env`,
    files: base, dir: 'stacks', env: { ATMOS_IDENTITY: v },
    want: { identity: null, source: 'env', stacks: ['dev'] },
  })),
  {
    id: 'ID11', atmos: `${IT}:77`, says: 'any other value is an identity name (prod-admin)',
    files: base, dir: 'stacks', env: { ATMOS_IDENTITY: 'prod-admin' },
    want: { identity: 'prod-admin', source: 'env' },
  },
  {
    id: 'ID12', atmos: `${IT}:82`, says: 'an identity name with dashes (aws-sso-admin)',
    files: base, dir: 'stacks', env: { ATMOS_IDENTITY: 'aws-sso-admin' },
    want: { identity: 'aws-sso-admin', source: 'env' },
  },
  {
    id: 'ID13', atmos: `${IT}:109`, says: '"offline" only looks like "off": it is the identity named offline',
    files: base, dir: 'stacks', env: { ATMOS_IDENTITY: 'offline' },
    want: { identity: 'offline', source: 'env' },
  },
  {
    id: 'ID14', atmos: `${IT}:114`, says: '"true" does not mean "the default": it is an identity name, here undefined, so an error',
    files: base, dir: 'stacks', env: { ATMOS_IDENTITY: 'true' },
    want: { error: /identity 'true' is set in ATMOS_IDENTITY, but the active configuration .* does not define it/ },
  },
  {
    id: 'ID15', atmos: `${IT}:99`, says: '"falsey" is a name, not false: undefined here, an error',
    files: base, dir: 'stacks', env: { ATMOS_IDENTITY: 'falsey' },
    want: { error: /identity 'falsey' is set in ATMOS_IDENTITY/ },
  },
  {
    id: 'ID26', atmos: `${IT}:104`, says: '"nope" is a name, not "no": undefined here, an error',
    files: base, dir: 'stacks', env: { ATMOS_IDENTITY: 'nope' },
    want: { error: /identity 'nope' is set in ATMOS_IDENTITY/ },
  },
  {
    id: 'ID16', atmos: `${MC}:25`, says: 'an exact name matches',
    files: base, dir: 'stacks', env: { ATMOS_IDENTITY: 'Mixed-Case' },
    want: { identity: 'Mixed-Case', source: 'env' },
  },
  {
    id: 'ID17', atmos: `${MC}:37`, says: 'an upper-case name matches the configured identity, answered in its configured spelling',
    files: base, dir: 'stacks', env: { ATMOS_IDENTITY: 'MIXED-CASE' },
    want: { identity: 'Mixed-Case', source: 'env' },
  },
  {
    id: 'ID18', atmos: `${MC}:49`, says: 'a mixed-case name matches too',
    files: base, dir: 'stacks', env: { ATMOS_IDENTITY: 'mIxEd-cAsE' },
    want: { identity: 'Mixed-Case', source: 'env' },
  },
  {
    id: 'ID19', atmos: `${MC}:61; tests/test-cases/auth-mock.yaml:304-321; tests/test-cases/auth-cli.yaml:305-320`, says: 'an unknown name is an error ("identity not found"), never a fall-back to the default',
    files: base, dir: 'stacks', env: { ATMOS_IDENTITY: 'nonexistent' },
    want: { error: /identity 'nonexistent' is set in ATMOS_IDENTITY/ },
  },
  {
    id: 'ID20', atmos: 'docs/fixes/stack-level-default-auth-identity.md:152-156', says: 'precedence: ATMOS_IDENTITY over the stack default over the atmos.yaml default',
    files: base, dir: 'stacks', env: { ATMOS_IDENTITY: 'prod-admin' },
    want: { identity: 'prod-admin', source: 'env', stacks: ['dev'] },
  },
  {
    id: 'ID21', atmos: 'docs/fixes/stack-level-default-auth-identity.md:152-156', says: 'without ATMOS_IDENTITY the stack default wins over the atmos.yaml default',
    files: base, dir: 'stacks',
    want: { identity: 'aws-sso-admin', source: 'stack' },
  },
  {
    id: 'ID22', atmos: 'tests/test-cases/auth-identity-resolution-bugs.yaml:38-46', says: '`--identity off` skips authentication, and the stack still resolves',
    files: base, dir: 'stacks', env: { ATMOS_IDENTITY: 'off' },
    want: { identity: null, source: 'env', stacks: ['dev'] },
  },
  {
    id: 'ID23', atmos: 'internal/exec/terraform_execute_helpers.go:98-113; pkg/auth/config_helpers.go:288-298',
    says: 'a stack\'s `default: true` for an undefined identity is an error even with ATMOS_IDENTITY set: Atmos merges the stack\'s auth before it uses the identity',
    files: { ...base, 'stacks/dev.yaml': marks({ ghost: true }) }, dir: 'stacks', env: { ATMOS_IDENTITY: 'prod-admin' },
    want: { error: /identity 'ghost' is the default of stack manifest/ },
  },
  {
    id: 'ID24', atmos: 'internal/exec/utils_auth.go:71-74; pkg/auth/manager.go:516-559',
    says: 'with ATMOS_IDENTITY set the default is never looked up, so several stack defaults are no error',
    files: { ...base, 'stacks/dev.yaml': marks({ 'prod-admin': true, offline: true }) }, dir: 'stacks', env: { ATMOS_IDENTITY: 'aws-sso-admin' },
    want: { identity: 'aws-sso-admin', source: 'env' },
  },
  {
    id: 'ID25', atmos: 'pkg/schema/schema_auth.go:69-91', says: 'ATMOS_IDENTITY may name an identity marked `enabled: false` (no such field)',
    files: { 'atmos.yaml': atmosYaml(['superuser']).replace('      kind: aws/permission-set\n', '      kind: aws/permission-set\n      enabled: false\n') },
    env: { ATMOS_IDENTITY: 'superuser' },
    want: { identity: 'superuser', source: 'env' },
  },
];

runCases(cases);
