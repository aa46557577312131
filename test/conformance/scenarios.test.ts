// Conformance: Atmos's scenario fixtures (tests/fixtures/scenarios/*auth*) and examples
// (examples/demo-auth, examples/config-profiles), re-created with our own files in the same
// layout: which stacks a directory holds, which identity is default, what the CLI cases expect.
// Atmos's fixtures use `mock/aws` kinds; ours use aws/permission-set (a kind atmos-auth has), the
// structure (paths, includes/excludes, name templates, where the markers sit) is the same.
import { atmosYaml, identityYaml, marks, runCases, type Case } from './helpers.ts';

const S = 'tests/fixtures/scenarios';
const BUGS = 'tests/test-cases/auth-identity-resolution-bugs.yaml';

const importedDefaults: Record<string, string> = {
  'atmos.yaml': atmosYaml(['dev-identity', 'prod-identity'], { included: ['orgs/**/us-east-1/*'], excluded: ['**/_defaults.yaml'], nameTemplate: '{{ .vars.tenant }}-{{ .vars.stage }}' }),
  'stacks/orgs/acme/dev/_defaults.yaml': 'vars:\n  tenant: acme\n  stage: dev\n' + marks({ 'dev-identity': true }),
  'stacks/orgs/acme/dev/us-east-1/foundation.yaml': 'import:\n  - orgs/acme/dev/_defaults\nvars:\n  region: us-east-1\ncomponents:\n  terraform:\n    mycomponent:\n      vars:\n        enabled: true\n',
};

const stackScoping: Record<string, string> = {
  'atmos.yaml': atmosYaml(['data-default', 'plat-default'], { included: ['orgs/**/us-east-1/*'], nameTemplate: '{{ .vars.tenant }}-{{ .vars.stage }}' }),
  'stacks/orgs/acme/data/staging/us-east-1/monitoring.yaml': 'vars:\n  tenant: data\n  stage: staging\n  region: us-east-1\n' + marks({ 'data-default': true }) + 'components:\n  terraform:\n    monitoring: {}\n',
  'stacks/orgs/acme/plat/staging/us-east-1/eks.yaml': 'vars:\n  tenant: plat\n  stage: staging\n  region: us-east-1\ncomponents:\n  terraform:\n    eks: {}\n',
};

const stackAuthDefaults: Record<string, string> = {
  'atmos.yaml': atmosYaml(['test-identity'], { included: ['**/*'], nameTemplate: '{{.vars.tenant}}-{{.vars.environment}}-{{.vars.stage}}' }),
  'stacks/_defaults.yaml': 'vars:\n  tenant: test\n  environment: ue2\n  stage: dev\n' + marks({ 'test-identity': true }),
  'stacks/test.yaml': 'import:\n  - _defaults\nvars:\n  stage: test\ncomponents:\n  terraform:\n    test-component:\n      vars:\n        enabled: true\n',
};

const loadingBug: Record<string, string> = {
  'atmos.yaml': atmosYaml(['organization', 'staging'], { included: ['**/*'], nameTemplate: '{{.vars.stage}}' }),
  'stacks/organization.yaml': 'vars:\n  stage: organization\n' + marks({ organization: true }),
  'stacks/staging.yaml': 'vars:\n  stage: staging\n' + marks({ staging: true }),
};

const realmProfileBug: Record<string, string> = {
  'atmos.yaml': atmosYaml([], { included: ['**/*'], nameTemplate: '{{.vars.tenant}}-{{.vars.environment}}-{{.vars.stage}}' }).replace('  identities: {}\n', ''),
  '.atmos.d/auth.yaml': 'auth:\n  identities:\n' + identityYaml('root-admin*', '    '),
  'profiles/ci/settings.yaml': 'logs:\n  level: Warning\n',
  'profiles/developer/settings.yaml': 'logs:\n  level: Debug\n',
  'stacks/deploy.yaml': 'vars:\n  tenant: acme\n  environment: ue2\n  stage: dev\ncomponents:\n  terraform:\n    vpc: {}\n',
};

/** examples/demo-auth: identities without defaults, one `enabled: false`; one stack `dev`. */
const demoAuth: Record<string, string> = {
  'atmos.yaml': 'base_path: "./"\nstacks:\n  base_path: "stacks"\n  included_paths: ["**/*"]\n  excluded_paths: ["**/_defaults.yaml"]\n  name_template: "{{.vars.stage}}"\nauth:\n  providers:\n    oidc:\n      kind: github/oidc\n      region: us-east-1\n      spec:\n        audience: sts.us-east-1.amazonaws.com\n    idp-acme-sso:\n      kind: aws/iam-identity-center\n      start_url: https://mock\n      region: us-east-1\n  identities:\n    oidc:\n      kind: aws/assume-role\n      via:\n        provider: oidc\n      principal:\n        assume_role: arn:aws:iam::111111111111:role/ExampleRole\n    sso:\n      kind: aws/assume-role\n      via:\n        provider: idp-acme-sso\n      principal:\n        assume_role: arn:aws:iam::111111111111:role/ExampleRole\n    superuser:\n      enabled: false\n      kind: aws/user\n      credentials:\n        region: us-east-1\n',
  'stacks/deploy/dev.yaml': 'vars:\n  stage: dev\ncomponents:\n  terraform:\n    whoami:\n      component: whoami\n',
};

/** examples/config-profiles: no auth in atmos.yaml; profiles ci (no default), developer (two defaults), production (one). */
const configProfiles: Record<string, string> = {
  'atmos.yaml': 'base_path: "./"\nstacks:\n  base_path: "stacks"\n  included_paths: ["**/*"]\n  excluded_paths: ["globals/**/*", "catalog/**/*"]\n  name_template: "{{.vars.tenant}}-{{.vars.environment}}-{{.vars.stage}}"\n',
  'profiles/ci/auth.yaml': 'auth:\n  providers:\n    github-oidc:\n      kind: github/oidc\n      region: us-east-1\n  identities:\n    ci-deployer:\n      kind: aws/assume-role\n      via:\n        provider: github-oidc\n      principal:\n        assume_role: "arn:aws:iam::123456789012:role/GitHubActionsDeployRole"\n',
  'profiles/developer/auth.yaml': 'auth:\n  providers:\n    test-sso:\n      kind: aws/iam-identity-center\n      start_url: https://my-company.awsapps.com/start\n      region: us-east-2\n  identities:\n' + identityYaml('dev-full-access*', '    ') + identityYaml('staging-readonly*', '    '),
  'profiles/production/auth.yaml': 'auth:\n  providers:\n    test-sso:\n      kind: aws/iam-identity-center\n      start_url: https://my-company.awsapps.com/start\n      region: us-east-1\n  identities:\n' + identityYaml('prod-deployer', '    ') + identityYaml('prod-readonly*', '    '),
  'stacks/catalog/vpc.yaml': 'components:\n  terraform:\n    vpc: {}\n',
  'stacks/deploy/dev.yaml': 'import:\n  - catalog/vpc\nvars:\n  tenant: acme\n  environment: ue2\n  stage: dev\n',
};

const cases: Case[] = [
  {
    id: 'FX01', atmos: `${BUGS}:18-46; ${S}/auth-imported-defaults/atmos.yaml:28-37`, says: 'auth-imported-defaults: the leaf holds stack acme-dev, whose default comes from the excluded, imported _defaults.yaml',
    files: importedDefaults, dir: 'stacks/orgs/acme/dev/us-east-1',
    want: { identity: 'dev-identity', source: 'stack', stacks: ['acme-dev'] },
  },
  {
    id: 'FX02', atmos: `${S}/auth-imported-defaults/stacks/orgs/acme/dev/_defaults.yaml:13-20`, says: 'auth-imported-defaults: the env directory above the leaf holds the same one stack (its _defaults is no stack)',
    files: importedDefaults, dir: 'stacks/orgs/acme/dev',
    want: { identity: 'dev-identity', source: 'stack', stacks: ['acme-dev'] },
  },
  {
    id: 'FX03', atmos: `${BUGS}:68-95`, says: 'auth-stack-scoping: data-staging sees its own default',
    files: stackScoping, dir: 'stacks/orgs/acme/data/staging/us-east-1',
    want: { identity: 'data-default', source: 'stack', stacks: ['data-staging'] },
  },
  {
    id: 'FX04', atmos: `${BUGS}:97-129`, says: 'auth-stack-scoping: plat-staging does NOT inherit data-staging\'s default (discussion #122)',
    files: stackScoping, dir: 'stacks/orgs/acme/plat/staging/us-east-1',
    want: { identity: null, stacks: ['plat-staging'] },
  },
  {
    id: 'FX05', atmos: `${S}/auth-stack-scoping/atmos.yaml:34-39`, says: 'auth-stack-scoping: the tenant-spanning directory holds both stacks, which disagree: no identity, both candidates',
    files: stackScoping, dir: 'stacks/orgs/acme',
    want: { identity: null, candidates: { 'data-staging': 'data-default', 'plat-staging': null } },
  },
  {
    id: 'FX06', atmos: `${S}/stack-auth-defaults/README.md:34-39; ${S}/stack-auth-defaults/atmos.yaml:7-12`,
    says: 'stack-auth-defaults: with included `**/*` and nothing excluded, _defaults.yaml is itself a stack (test-ue2-dev) beside test.yaml (test-ue2-test); the README\'s `-s test-ue2-dev` is the _defaults.yaml stack; both default to test-identity',
    files: stackAuthDefaults, dir: 'stacks',
    want: { identity: 'test-identity', source: 'stack', stacks: ['test-ue2-dev', 'test-ue2-test'] },
  },
  {
    id: 'FX07', atmos: `${S}/auth-stack-loading-bug/atmos.yaml:1-3`, says: 'auth-stack-loading-bug (#2072): two stacks in one directory with their own defaults: each keeps its own, the directory has none',
    files: loadingBug, dir: 'stacks',
    want: { identity: null, candidates: { organization: 'organization', staging: 'staging' } },
  },
  {
    id: 'FX08', atmos: `pkg/config/auth_defaults_test.go:288-314; ${S}/auth-realm-profile-bug/.atmos.d/auth.yaml:5-8`,
    says: 'auth-realm-profile-bug (#2071): a default defined in .atmos.d/auth.yaml needs no profile',
    files: realmProfileBug, dir: 'stacks',
    want: { identity: 'root-admin', source: 'config', profiles: [], stacks: ['acme-ue2-dev'] },
  },
  {
    id: 'FX09', atmos: 'pkg/config/auth_defaults_test.go:318-342; pkg/config/profiles.go:292-300',
    says: 'auth-realm-profile-bug: ATMOS_PROFILE=root-admin is a profile-not-found error whose hint says root-admin is an identity (use ATMOS_IDENTITY)',
    files: realmProfileBug, dir: 'stacks', env: { ATMOS_PROFILE: 'root-admin' },
    want: { error: /unknown profile 'root-admin' \(from ATMOS_PROFILE\); available: ci, developer$/, hint: /'root-admin' is an auth identity, not a configuration profile: .*ATMOS_IDENTITY.*export ATMOS_IDENTITY=root-admin/ },
  },
  {
    id: 'FX10', atmos: `${S}/auth-realm-profile-bug/profiles/ci/settings.yaml:3`, says: 'auth-realm-profile-bug: a real profile without auth keeps the .atmos.d default',
    files: realmProfileBug, dir: 'stacks', env: { ATMOS_PROFILE: 'ci' },
    want: { identity: 'root-admin', source: 'config', profiles: ['ci'] },
  },
  {
    id: 'FX11', atmos: `tests/test-cases/auth-mock.yaml:40-58; ${S}/atmos-auth-mock/atmos.yaml:21-24`, says: 'atmos-auth-mock: `auth login` without --identity uses the atmos.yaml default',
    files: { 'atmos.yaml': atmosYaml(['mock-identity*', 'mock-identity-2']), 'stacks/test.yaml': 'vars: {stage: test}\n' },
    want: { identity: 'mock-identity', source: 'config' },
  },
  {
    id: 'FX12', atmos: 'examples/demo-auth/atmos.yaml:30-32; examples/demo-auth/stacks/deploy/dev.yaml:4', says: 'demo-auth: `-s dev --identity oidc`: stack dev, identity oidc through GitHub OIDC',
    files: demoAuth, dir: 'stacks/deploy', env: { ATMOS_IDENTITY: 'oidc' },
    want: { identity: 'oidc', source: 'env', stacks: ['dev'], chainKinds: ['github/oidc', 'aws/assume-role'] },
  },
  {
    id: 'FX13', atmos: 'examples/demo-auth/atmos.yaml:58-90', says: 'demo-auth: no identity is default anywhere: none for the dev stack',
    files: demoAuth, dir: 'stacks/deploy',
    want: { identity: null, stacks: ['dev'] },
  },
  {
    id: 'FX14', atmos: 'examples/demo-auth/atmos.yaml:85-86; pkg/schema/schema_auth.go:69-91', says: 'demo-auth: `superuser` has `enabled: false`, which is no schema field: it is an identity all the same',
    files: demoAuth, dir: 'stacks/deploy', env: { ATMOS_IDENTITY: 'superuser' },
    want: { identity: 'superuser', source: 'env', chainKinds: ['aws/user'] },
  },
  {
    id: 'FX15', atmos: 'examples/config-profiles/profiles/developer/auth.yaml:26-35; pkg/auth/manager.go:552-555',
    says: 'config-profiles developer: two identities marked default ("favorites"): Atmos prompts on a terminal, fails without one; atmos-auth fails (a hook has no prompt)',
    files: configProfiles, dir: 'stacks/deploy', profile: 'developer',
    want: { error: /several default identities in the configuration .*dev-full-access.*staging-readonly/ },
  },
  {
    id: 'FX16', atmos: 'examples/config-profiles/profiles/production/auth.yaml:30', says: 'config-profiles production: prod-readonly is the default ("read-only for safety")',
    files: configProfiles, dir: 'stacks/deploy', env: { ATMOS_PROFILE: 'production' },
    want: { identity: 'prod-readonly', source: 'config', profiles: ['production'], stacks: ['acme-ue2-dev'] },
  },
  {
    id: 'FX17', atmos: 'examples/config-profiles/profiles/ci/auth.yaml:11-29', says: 'config-profiles ci: no default identity (CI names it)',
    files: configProfiles, dir: 'stacks/deploy', env: { ATMOS_PROFILE: 'ci' },
    want: { identity: null, profiles: ['ci'] },
  },
  {
    id: 'FX18', atmos: 'examples/config-profiles/atmos.yaml:18-20', says: 'config-profiles: catalog/** is excluded: stacks/catalog holds no stack',
    files: configProfiles, dir: 'stacks/catalog', env: { ATMOS_PROFILE: 'production' },
    want: { identity: 'prod-readonly', source: 'config', stacks: [] },
  },
  {
    id: 'FX19', atmos: 'examples/config-profiles/README.md:272-279', says: 'config-profiles: `--profile nonexistent` is "profile not found" listing the available profiles',
    files: configProfiles, dir: 'stacks/deploy', profile: 'nonexistent',
    want: { error: /unknown profile 'nonexistent' \(from --profile\); available: ci, developer, production/, hint: /check the spelling/ },
  },
];

runCases(cases);
