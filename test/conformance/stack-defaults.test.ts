// Conformance: which identity is the default of a stack. Atmos's expectations from
// pkg/config/stack_auth_loader_test.go (SL), pkg/config/auth_defaults_test.go (AD),
// pkg/auth/config_helpers_test.go (CH), docs/prd/default-auth-behavior.md (PRD) and
// pkg/auth/manager_test.go (MT). Where the multi-stack pre-scanner (stack_auth_loader.go, used by
// `describe stacks` and friends) and the one-stack component auth merge (config_helpers.go, used by
// `terraform plan -s <stack>`) disagree, we follow the latter: a directory's stack is a target
// stack (docs/fixes/stack-level-default-auth-identity.md:98-113).
import { atmosYaml, identityYaml, marks, runCases, type Case } from './helpers.ts';

const SL = 'pkg/config/stack_auth_loader_test.go';
const AD = 'pkg/config/auth_defaults_test.go';
const CH = 'pkg/auth/config_helpers_test.go';
const PRD = 'docs/prd/default-auth-behavior.md';
const MT = 'pkg/auth/manager_test.go';

/** The flat layout of the Go tests: every YAML under stacks/ is a manifest, `_defaults.yaml` excluded. */
const flat = (ids: string[], extra: { excluded?: string[]; included?: string[] } = {}) =>
  atmosYaml(ids, { excluded: extra.excluded ?? ['**/_defaults.yaml'], ...(extra.included ? { included: extra.included } : {}) });

const cases: Case[] = [
  {
    id: 'SD01', atmos: `${SL}:25`, says: 'a stack marking one identity true and another false defaults to the true one',
    files: { 'atmos.yaml': flat(['test-identity', 'other-identity']), 'stacks/stack.yaml': marks({ 'test-identity': true, 'other-identity': false }) },
    dir: 'stacks',
    want: { identity: 'test-identity', source: 'stack', stacks: ['stack'] },
  },
  {
    id: 'SD02', atmos: `${SL}:55`, says: 'two stacks with different defaults: each keeps its own (no repo-wide default, #2072), so a directory holding both has none',
    files: { 'atmos.yaml': flat(['identity-a', 'identity-b']), 'stacks/stack1.yaml': marks({ 'identity-a': true }), 'stacks/stack2.yaml': marks({ 'identity-b': true }) },
    dir: 'stacks',
    want: { identity: null, candidates: { stack1: 'identity-a', stack2: 'identity-b' } },
  },
  {
    id: 'SD03', atmos: `${SL}:92`, says: 'two stacks agreeing on a default: the directory holding both has it',
    files: { 'atmos.yaml': flat(['identity-a']), 'stacks/stack1.yaml': marks({ 'identity-a': true }), 'stacks/stack2.yaml': marks({ 'identity-a': true }) },
    dir: 'stacks',
    want: { identity: 'identity-a', source: 'stack', stacks: ['stack1', 'stack2'] },
  },
  {
    id: 'SD04', atmos: `${SL}:127`, says: 'an excluded file is no stack: its default does not count',
    files: { 'atmos.yaml': flat(['included-identity', 'excluded-identity'], { excluded: ['excluded.yaml'] }), 'stacks/included.yaml': marks({ 'included-identity': true }), 'stacks/excluded.yaml': marks({ 'excluded-identity': true }) },
    dir: 'stacks',
    want: { identity: 'included-identity', stacks: ['included'] },
  },
  {
    id: 'SD05', atmos: `${SL}:164`, says: 'a stack without an auth section and a config without defaults: no default',
    files: { 'atmos.yaml': flat(['a', 'b']), 'stacks/stack.yaml': 'vars:\n  stage: dev\n' },
    dir: 'stacks',
    want: { identity: null, stacks: ['stack'] },
  },
  {
    id: 'SD06', atmos: `${SL}:187`,
    says: 'invalid YAML: the pre-scanner skips the file, but a command on that stack fails to process it; atmos-auth reports file:line (kept: bad input is an error)',
    files: { 'atmos.yaml': flat(['test']), 'stacks/invalid.yaml': 'auth:\n  identities:\n    test: [\n' },
    dir: 'stacks',
    want: { error: /invalid YAML/, file: 'stacks/invalid.yaml' },
  },
  {
    id: 'SD07', atmos: `${SL}:212`,
    says: 'a Go template where YAML is expected in a .yaml manifest: the pre-scanner skips it; atmos-auth (which renders only .tmpl files, as Atmos does for imports) reports the YAML error (kept)',
    files: { 'atmos.yaml': flat(['test']), 'stacks/template.yaml': 'auth:\n  identities:\n    {{ .Identity }}:\n      default: true\n' },
    dir: 'stacks',
    want: { error: /invalid YAML|template/, file: 'stacks/template.yaml' },
  },
  {
    id: 'SD08', atmos: `${SL}:259`, says: 'a stack default on a config identity without a default makes it the default',
    files: { 'atmos.yaml': flat(['test-identity']), 'stacks/stack.yaml': marks({ 'test-identity': true }) },
    want: { identity: 'test-identity', source: 'stack' },
    dir: 'stacks',
  },
  {
    id: 'SD09', atmos: `${SL}:274`, says: 'a stack default overrides an explicit `default: false` of atmos.yaml',
    files: {
      'atmos.yaml': flat(['test-identity']).replace('      kind: aws/permission-set\n', '      kind: aws/permission-set\n      default: false\n'),
      'stacks/stack.yaml': marks({ 'test-identity': true }),
    },
    dir: 'stacks',
    want: { identity: 'test-identity', source: 'stack' },
  },
  {
    id: 'SD10', atmos: `${SL}:291`, says: 'a stack default on another identity clears the atmos.yaml default',
    files: { 'atmos.yaml': flat(['identity-a*', 'identity-b']), 'stacks/stack.yaml': marks({ 'identity-b': true }) },
    dir: 'stacks',
    want: { identity: 'identity-b', source: 'stack' },
  },
  {
    id: 'SD11', atmos: `${SL}:312`, says: 'no stack default: the atmos.yaml default stays',
    files: { 'atmos.yaml': flat(['test-identity*']), 'stacks/stack.yaml': 'vars: {stage: dev}\n' },
    dir: 'stacks',
    want: { identity: 'test-identity', source: 'config' },
  },
  {
    id: 'SD12', atmos: `${SL}:331; ${AD}:125; ${AD}:488; pkg/auth/config_helpers.go:288-298`,
    says: 'a stack default for an identity the config lacks: the pre-scanner skips it (and clears the config default); the one-stack merge rejects it with ErrInvalidIdentityConfig; we follow the latter',
    files: { 'atmos.yaml': flat(['other-identity*']), 'stacks/stack.yaml': marks({ nonexistent: true }) },
    dir: 'stacks',
    want: { error: /identity 'nonexistent' is the default of stack manifest .*does not define it/, file: 'stacks/stack.yaml', line: 4 },
  },
  {
    id: 'SD13', atmos: `${SL}:364`, says: 'a .yml manifest counts',
    files: { 'atmos.yaml': flat(['yml-identity']), 'stacks/stack.yml': marks({ 'yml-identity': true }) },
    dir: 'stacks',
    want: { identity: 'yml-identity', stacks: ['stack'] },
  },
  {
    id: 'SD14', atmos: `${SL}:458; ${AD}:471; ${CH}:463; ${PRD}:39`,
    says: 'a stack `default: false` on the config default demotes it: the pre-scanner\'s applyStackDefaults ignores false entries, the one-stack merge (and the PRD) demote; we follow the merge',
    files: { 'atmos.yaml': flat(['test-identity*']), 'stacks/stack.yaml': marks({ 'test-identity': false }) },
    dir: 'stacks',
    want: { identity: null, stacks: ['stack'] },
  },
  {
    id: 'SD15', atmos: `${SL}:522; tests/test-cases/auth-identity-resolution-bugs.yaml:18-46`, says: 'a default declared in an imported _defaults.yaml is the stack\'s default (#2293)',
    files: { 'atmos.yaml': flat(['imported-identity']), 'stacks/_defaults.yaml': marks({ 'imported-identity': true }), 'stacks/manifest.yaml': 'import:\n  - _defaults\n' },
    dir: 'stacks',
    want: { identity: 'imported-identity', source: 'stack', stacks: ['manifest'] },
  },
  {
    id: 'SD16', atmos: `${SL}:555`, says: 'imports reach into excluded_paths: an excluded _defaults still gives its default to the importing stack',
    files: {
      'atmos.yaml': flat(['excluded-imported-identity'], { excluded: ['orgs/**/_defaults.yaml'] }),
      'stacks/orgs/acme/_defaults.yaml': marks({ 'excluded-imported-identity': true }),
      'stacks/orgs/acme/manifest.yaml': 'import:\n  - orgs/acme/_defaults\n',
    },
    dir: 'stacks/orgs/acme',
    want: { identity: 'excluded-imported-identity', stacks: ['orgs/acme/manifest'] },
  },
  {
    id: 'SD17', atmos: `${SL}:593`,
    says: 'an import cycle: the pre-scanner stops at the visited file; atmos-auth names the cycle as an error (kept: a cycle is a mistake to fix, and Atmos\'s own stack processing is not a scanner)',
    files: { 'atmos.yaml': flat(['a-identity'], { included: ['a.yaml'] }), 'stacks/a.yaml': 'import:\n  - b\n' + marks({ 'a-identity': true }), 'stacks/b.yaml': 'import:\n  - a\n' },
    dir: 'stacks',
    want: { error: /import cycle: a\.yaml -> b\.yaml -> a\.yaml/ },
  },
  {
    id: 'SD18', atmos: `${SL}:626`, says: 'glob imports are followed',
    files: { 'atmos.yaml': flat(['mixin-identity'], { included: ['manifest.yaml'] }), 'stacks/mixins/region.yaml': marks({ 'mixin-identity': true }), 'stacks/manifest.yaml': 'import:\n  - mixins/*\n' },
    dir: 'stacks',
    want: { identity: 'mixin-identity', stacks: ['manifest'] },
  },
  {
    id: 'SD19', atmos: `${SL}:657`,
    says: 'a templated import path in a .yaml manifest: the pre-scanner skips it; without a context nothing renders it, so atmos-auth reports the import as not found (kept: the stack cannot be processed)',
    files: { 'atmos.yaml': flat(['manifest-identity'], { included: ['manifest.yaml'] }), 'stacks/manifest.yaml': "import:\n  - '{{ .stage }}/_defaults'\n" + marks({ 'manifest-identity': true }) },
    dir: 'stacks',
    want: { error: /import '\{\{ \.stage \}\}\/_defaults' not found/, file: 'stacks/manifest.yaml', line: 2 },
  },
  {
    id: 'SD20', atmos: `${SL}:687; pkg/auth/manager.go:552-555`,
    says: 'defaults for two identities in one stack (import + file): the pre-scanner discards both; the one-stack merge keeps both and the manager fails with "multiple default identities"; we follow the merge',
    files: {
      'atmos.yaml': flat(['imported-identity', 'manifest-identity'], { included: ['manifest.yaml'] }),
      'stacks/_defaults.yaml': marks({ 'imported-identity': true }),
      'stacks/manifest.yaml': 'import:\n  - _defaults\n' + marks({ 'manifest-identity': true }),
    },
    dir: 'stacks',
    want: { error: /several default identities for the stack .*imported-identity.*manifest-identity/ },
  },
  {
    id: 'SD21', atmos: `${SL}:729`, says: 'an importing file\'s `default: false` revokes the imported `default: true`',
    files: { 'atmos.yaml': flat(['imported-identity'], { included: ['manifest.yaml'] }), 'stacks/_defaults.yaml': marks({ 'imported-identity': true }), 'stacks/manifest.yaml': 'import:\n  - _defaults\n' + marks({ 'imported-identity': false }) },
    dir: 'stacks',
    want: { identity: null, stacks: ['manifest'] },
  },
  {
    id: 'SD22', atmos: `${SL}:770`, says: 'an importing file that mentions the identity without `default` leaves the imported default',
    files: {
      'atmos.yaml': flat(['imported-identity'], { included: ['manifest.yaml'] }),
      'stacks/_defaults.yaml': marks({ 'imported-identity': true }),
      'stacks/manifest.yaml': 'import:\n  - _defaults\nauth:\n  identities:\n    imported-identity:\n      kind: aws/permission-set\n',
    },
    dir: 'stacks',
    want: { identity: 'imported-identity', source: 'stack' },
  },
  {
    id: 'SD23', atmos: `${SL}:810`, says: 'two stacks importing the same default agree: the directory holding both has it',
    files: { 'atmos.yaml': flat(['shared-identity']), 'stacks/_defaults.yaml': marks({ 'shared-identity': true }), 'stacks/stack-a.yaml': 'import:\n  - _defaults\n', 'stacks/stack-b.yaml': 'import:\n  - _defaults\n' },
    dir: 'stacks',
    want: { identity: 'shared-identity', stacks: ['stack-a', 'stack-b'] },
  },
  {
    id: 'SD24', atmos: `${SL}:847`, says: '`./` imports resolve against the importing file',
    files: { 'atmos.yaml': flat(['relative-identity']), 'stacks/sub/_defaults.yaml': marks({ 'relative-identity': true }), 'stacks/sub/manifest.yaml': 'import:\n  - ./_defaults\n' },
    dir: 'stacks/sub',
    want: { identity: 'relative-identity', stacks: ['sub/manifest'] },
  },
  {
    id: 'SD25', atmos: `${AD}:18`, says: 'only `default: false` markers and no config default: no default',
    files: { 'atmos.yaml': flat(['staging', 'production']), 'stacks/stack.yaml': marks({ staging: false, production: false }) },
    dir: 'stacks',
    want: { identity: null },
  },
  {
    id: 'SD26', atmos: `${AD}:43; pkg/auth/manager.go:552-555`,
    says: 'two defaults in one stack file: the pre-scanner discards them; the one-stack path fails with "multiple default identities" (no prompt in a hook); we follow it',
    files: { 'atmos.yaml': flat(['identity-a', 'identity-b']), 'stacks/stack.yaml': marks({ 'identity-a': true, 'identity-b': true }) },
    dir: 'stacks',
    want: { error: /several default identities for the stack .*identity-a.*identity-b/ },
  },
  {
    id: 'SD27', atmos: `${AD}:71; docs/fixes/2026-04-08-atmos-auth-identity-resolution-fixes.md:245-251`,
    says: 'one stack with a default beside one without: the pre-scanner makes it repo-wide for multi-stack commands; per stack it stays in its stack (no leak), so the directory holding both has none',
    files: { 'atmos.yaml': flat(['my-identity']), 'stacks/with-auth.yaml': marks({ 'my-identity': true }), 'stacks/without-auth.yaml': 'vars:\n  stage: dev\n' },
    dir: 'stacks',
    want: { identity: null, candidates: { 'with-auth': 'my-identity', 'without-auth': null } },
  },
  {
    id: 'SD28', atmos: `${AD}:102; pkg/config/stack_auth_loader.go:469-471`,
    says: 'a stack default clears every config default, however many (two config defaults are no error then)',
    files: { 'atmos.yaml': flat(['identity-a*', 'identity-b*', 'identity-c']), 'stacks/stack.yaml': marks({ 'identity-c': true }) },
    dir: 'stacks',
    want: { identity: 'identity-c', source: 'stack' },
  },
  {
    id: 'SD29', atmos: `${AD}:146`, says: 'a stack with an empty auth section leaves the config default',
    files: { 'atmos.yaml': flat(['existing*']), 'stacks/stack.yaml': 'auth: {}\n' },
    dir: 'stacks',
    want: { identity: 'existing', source: 'config' },
  },
  {
    id: 'SD30', atmos: `${AD}:163`, says: 'an empty manifest is a stack with the config default',
    files: { 'atmos.yaml': flat(['x*']), 'stacks/empty.yaml': '' },
    dir: 'stacks',
    want: { identity: 'x', source: 'config', stacks: ['empty'] },
  },
  {
    id: 'SD31', atmos: `${AD}:175`, says: 'an auth section with providers only sets no default',
    files: { 'atmos.yaml': flat(['a']), 'stacks/no-identities.yaml': 'auth:\n  providers:\n    my-sso:\n      kind: aws/iam-identity-center\n' },
    dir: 'stacks',
    want: { identity: null },
  },
  {
    id: 'SD32', atmos: `${CH}:297`, says: 'a stack without auth: the global default applies',
    files: { 'atmos.yaml': flat(['global-identity*']), 'stacks/stack.yaml': 'components:\n  terraform:\n    vpc:\n      vars: {}\n' },
    dir: 'stacks',
    want: { identity: 'global-identity', source: 'config' },
  },
  {
    id: 'SD33', atmos: `${CH}:425; ${PRD}:40`, says: 'a `default: false` marker for an identity the profile lacks is dropped: no error, the true marker wins',
    files: { 'atmos.yaml': flat(['selected*']), 'stacks/stack.yaml': marks({ selected: true, unavailable: false }) },
    dir: 'stacks',
    want: { identity: 'selected', source: 'stack' },
  },
  {
    id: 'SD34', atmos: `${CH}:491`, says: 'a `default: true` marker matches the configured identity case-insensitively and answers with its configured spelling',
    files: { 'atmos.yaml': flat(['Identity']), 'stacks/stack.yaml': marks({ identity: true }) },
    dir: 'stacks',
    want: { identity: 'Identity', source: 'stack' },
  },
  {
    id: 'SD35', atmos: `${CH}:491`, says: 'a `default: false` marker demotes the configured default case-insensitively',
    files: { 'atmos.yaml': flat(['Identity*']), 'stacks/stack.yaml': marks({ identity: false }) },
    dir: 'stacks',
    want: { identity: null },
  },
  {
    id: 'SD36', atmos: `${CH}:525; ${PRD}:41`, says: 'a true marker selects an existing identity and clears the global default',
    files: { 'atmos.yaml': flat(['selected', 'fallback*']), 'stacks/stack.yaml': marks({ selected: true }) },
    dir: 'stacks',
    want: { identity: 'selected', source: 'stack' },
  },
  {
    id: 'SD37', atmos: `${CH}:546; ${PRD}:42`, says: 'a true marker for an undefined identity is an error naming it (and the global default is not used instead)',
    files: { 'atmos.yaml': flat(['fallback*']), 'stacks/stack.yaml': marks({ unavailable: true }) },
    dir: 'stacks',
    want: { error: /identity 'unavailable' .*does not define it/, hint: /add it under auth\.identities/, file: 'stacks/stack.yaml' },
  },
  {
    id: 'SD38', atmos: `${CH}:572; ${PRD}:43`, says: 'an entry with more than `default` declares an identity; undefined and without a kind it is an error',
    files: { 'atmos.yaml': flat([]), 'stacks/stack.yaml': 'auth:\n  identities:\n    incomplete:\n      default: false\n      alias: not-a-marker\n' },
    dir: 'stacks',
    want: { error: /identity 'incomplete' is declared in the stack .* without a kind/, file: 'stacks/stack.yaml' },
  },
  {
    id: 'SD39', atmos: `${PRD}:45-48`, says: '`name: {}` for an undefined identity is no marker: an incomplete declaration, an error',
    files: { 'atmos.yaml': flat(['a*']), 'stacks/stack.yaml': 'auth:\n  identities:\n    ghost: {}\n' },
    dir: 'stacks',
    want: { error: /identity 'ghost' is declared in the stack .* without a kind/ },
  },
  {
    id: 'SD40', atmos: `${PRD}:45-48`, says: '`required: true` without a kind for an undefined identity is no marker: an error',
    files: { 'atmos.yaml': flat(['a*']), 'stacks/stack.yaml': 'auth:\n  identities:\n    ghost:\n      required: true\n' },
    dir: 'stacks',
    want: { error: /identity 'ghost' is declared in the stack .* without a kind/ },
  },
  {
    id: 'SD41', atmos: `${CH}:829; docs/fixes/2026-04-08-atmos-auth-identity-resolution-fixes.md:253-311`,
    says: 'a more specific default: true overrides the global default (the component-level form is issue 12 §2; the rule is the same function at the stack level)',
    files: { 'atmos.yaml': flat(['tf-state*', 'create-resources']), 'stacks/stack.yaml': marks({ 'create-resources': true }) },
    dir: 'stacks',
    want: { identity: 'create-resources', source: 'stack' },
  },
  {
    id: 'SD42', atmos: `${CH}:864`, says: 'a stack entry without a default (a full declaration) keeps the global default',
    files: { 'atmos.yaml': flat(['tf-state*', 'deploy']), 'stacks/stack.yaml': 'auth:\n  identities:\n    deploy:\n      kind: aws/permission-set\n' },
    dir: 'stacks',
    want: { identity: 'tf-state', source: 'config' },
  },
  {
    id: 'SD43', atmos: `${CH}:892`, says: 'a stack default on the identity that already is the global default: that identity',
    files: { 'atmos.yaml': flat(['foo*']), 'stacks/stack.yaml': marks({ foo: true }) },
    dir: 'stacks',
    want: { identity: 'foo', source: 'stack' },
  },
  {
    id: 'SD44', atmos: `${CH}:1024; ${CH}:1000`, says: 'only `default: false` markers do not clear the other config defaults',
    files: { 'atmos.yaml': flat(['a*', 'b']), 'stacks/stack.yaml': marks({ b: false }) },
    dir: 'stacks',
    want: { identity: 'a', source: 'config' },
  },
  {
    id: 'SD45', atmos: `${PRD}:52-75`, says: 'the PRD example: profile default `deploy`, mixin {deploy: true, audit: false}: deploy, audit ignored',
    files: {
      'atmos.yaml': atmosYaml([], { excluded: ['mixins/**'] }),
      'profiles/p/atmos.yaml': 'auth:\n  identities:\n' + identityYaml('deploy*', '    '),
      'stacks/mixins/auth.yaml': marks({ deploy: true, audit: false }),
      'stacks/dev.yaml': 'import:\n  - mixins/auth\n',
    },
    dir: 'stacks',
    env: { ATMOS_PROFILE: 'p' },
    want: { identity: 'deploy', source: 'stack', stacks: ['dev'] },
  },
  {
    id: 'SD46', atmos: `${PRD}:77-79`, says: 'the PRD example with audit: true: an error naming audit, telling to define it in global/profile auth',
    files: {
      'atmos.yaml': atmosYaml([], { excluded: ['mixins/**'] }),
      'profiles/p/atmos.yaml': 'auth:\n  identities:\n' + identityYaml('deploy*', '    '),
      'stacks/mixins/auth.yaml': marks({ deploy: true, audit: true }),
      'stacks/dev.yaml': 'import:\n  - mixins/auth\n',
    },
    dir: 'stacks',
    env: { ATMOS_PROFILE: 'p' },
    want: { error: /identity 'audit' is the default of stack manifest .*profile p.*does not define it/, file: 'stacks/mixins/auth.yaml' },
  },
  {
    id: 'SD47', atmos: `${MT}:51`, says: 'one config default and no stack: that one',
    files: { 'atmos.yaml': flat(['identity1*', 'identity2']) },
    want: { identity: 'identity1', source: 'config', stacks: [] },
  },
  {
    id: 'SD48', atmos: `${MT}:69; ${MT}:142; cmd/auth/env.go:179-183`, says: 'several config defaults (no stack to clear them): "multiple default identities", naming all of them, as `atmos auth env` fails (atmos-auth export\'s peer; `terraform` in CI instead proceeds without auth, pkg/auth/manager_helpers.go:62-66)',
    files: { 'atmos.yaml': flat(['zebra*', 'alpha*', 'charlie*', 'other']) },
    want: { error: /^several default identities in the configuration: (?=.*zebra)(?=.*alpha)(?=.*charlie)(?!.*other)/ },
  },
  {
    id: 'SD49', atmos: `${MT}:33; pkg/auth/manager_helpers.go:62-66`,
    says: 'no default anywhere: GetDefaultIdentity errors (non-interactive), which `terraform` turns into "no authentication" and `atmos auth env` into an error; atmos-auth answers identity null with the reason, as `terraform` does (kept: a directory without a default is no mistake for a shell hook)',
    files: { 'atmos.yaml': flat(['identity1']) },
    want: { identity: null, stacks: [] },
  },
  {
    id: 'SD50', atmos: 'pkg/schema/schema_auth.go:69-91', says: 'an identity with `enabled: false` and `default: true` is still the default: the schema has no `enabled`',
    files: { 'atmos.yaml': flat(['superuser*']).replace('      kind: aws/permission-set\n', '      kind: aws/permission-set\n      enabled: false\n') },
    want: { identity: 'superuser', source: 'config' },
  },
  {
    id: 'SD51', atmos: `${CH}:463; pkg/auth/config_helpers.go:163-175`, says: 'two config defaults, and the stack demotes one with `default: false`: the other is the default (no "several defaults" error)',
    files: { 'atmos.yaml': flat(['identity-a*', 'identity-b*']), 'stacks/stack.yaml': marks({ 'identity-b': false }) },
    dir: 'stacks',
    want: { identity: 'identity-a', source: 'config' },
  },
  {
    id: 'SD52', atmos: 'pkg/auth/hooks_required_test.go:30-37', says: 'a `required: true` identity is authenticated besides the default, never instead of it: the default is the identity',
    files: { 'atmos.yaml': flat(['some-default*', 'core-network']).replace('  "core-network":\n      kind: aws/permission-set\n', '  "core-network":\n      kind: aws/permission-set\n      required: true\n') },
    want: { identity: 'some-default', source: 'config' },
  },
  {
    id: 'SD53', atmos: 'pkg/auth/hooks_required_test.go:39-51', says: '`required: true` identities and no default: no default (Atmos\'s pre-hook errors ErrNoDefaultIdentity; atmos-auth answers null, as SD49)',
    files: { 'atmos.yaml': flat(['core-network', 'plat-prod']).replace(/(      kind: aws\/permission-set\n)/g, '$1      required: true\n') },
    want: { identity: null },
  },
  {
    id: 'SD54', atmos: `${SL}:351`, says: 'a non-YAML file beside the manifests is no stack, whatever it holds',
    files: { 'atmos.yaml': flat(['yaml-identity', 'text-identity']), 'stacks/stack.yaml': marks({ 'yaml-identity': true }), 'stacks/notes.txt': marks({ 'text-identity': true }) },
    dir: 'stacks',
    want: { identity: 'yaml-identity', stacks: ['stack'] },
  },
];

runCases(cases);
