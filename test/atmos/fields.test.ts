// Identity fields besides the chain, through the built CLI (`resolve --json`, `list --json`, errors):
// env: entries (order, case, override, deny-list, bad values), provider: next to via, aws/user keys
// from YAML (!env) and session.duration defaults/clamps, assume-role principal.duration, alias and
// tags with `list --tags`, and --stack/--component with component-level auth.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { readFileSync, rmSync } from 'node:fs';
import { ENV_DENYLIST } from '../../src/atmos/env-denylist.ts';
import { cli, projectRoot, repo as makeRepo } from './helpers.ts';

const made: string[] = [];
/** helpers.ts's repo(), removed after the suite. */
function repo(files: Record<string, string>): string {
  const r = makeRepo(files);
  made.push(r);
  return r;
}
test.after(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

const BASE = `base_path: "."
stacks:
  base_path: stacks
  included_paths: ["orgs/**/*"]
  name_template: "{{ .vars.tenant }}-{{ .vars.stage }}"
`;
const SSO = `  providers:
    sso: { kind: aws/iam-identity-center, start_url: https://x.awsapps.com/start, region: us-east-1 }
`;

/** A repo whose atmos.yaml has `identities` (YAML under auth.identities) and one stack plat-dev. */
function fixture(identities: string, stack = 'auth: { identities: { a: { default: true } } }\n', more: Record<string, string> = {}): string {
  return repo({
    'atmos.yaml': `${BASE}auth:\n${SSO}  identities:\n${identities}`,
    'stacks/orgs/plat/dev.yaml': `vars: { tenant: plat, stage: dev, region: us-east-2 }\n${stack}`,
    ...more,
  });
}

function resolveJson(dir: string, args: string[] = [], env: Record<string, string> = {}) {
  const r = cli(['resolve', '--json', '--no-cache', '--dir', dir, ...args], { env });
  assert.is(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, unknown> & { chain: Record<string, unknown>[]; env?: { key: string; value: string }[]; identity: string | null };
}

const PS_A = `      kind: aws/permission-set
      via: { provider: sso }
      principal: { name: PS-A, account: { name: acct-a } }
`;

test('env: entries in order, keys keep their case, a later entry of a key wins, AWS_REGION may be overridden; values are data', () => {
  const root = fixture(`    a:\n${PS_A}      env:
        - { key: TF_VAR_team, value: platform }
        - { key: lower_Case, value: "it's $(rm -rf x) \`y\`" }
        - { key: AWS_REGION, value: eu-west-1 }
        - { key: TF_VAR_team, value: core }
        - { key: NUM, value: 42 }
        - { key: FROM_ENV, value: !env FIELDS_TEST_VALUE }
`);
  const r = resolveJson(join(root, 'stacks/orgs/plat'), [], { FIELDS_TEST_VALUE: 'from the environment' });
  assert.equal(r.env, [
    { key: 'lower_Case', value: "it's $(rm -rf x) `y`" },
    { key: 'AWS_REGION', value: 'eu-west-1' },
    { key: 'TF_VAR_team', value: 'core' },
    { key: 'NUM', value: '42' },
    { key: 'FROM_ENV', value: 'from the environment' },
  ]);
  const text = cli(['resolve', '--no-cache', '--dir', join(root, 'stacks/orgs/plat')]);
  assert.match(text.stdout, /^env\s+lower_Case, AWS_REGION, TF_VAR_team, NUM, FROM_ENV$/m);
  // No env: no field at all (the Resolution is unchanged for everyone else).
  const plain = resolveJson(join(fixture(`    a:\n${PS_A}`), 'stacks/orgs/plat'));
  assert.is(plain.env, undefined);
});

test('env: a denied name is refused naming identity, key, file:line and why; nothing on stdout', () => {
  const cases: [string, RegExp][] = [
    ['PATH', /runs? code: command lookup/],
    ['LD_PRELOAD', /dynamic loader/],
    ['path', /command lookup/],
    ['https_proxy', /proxy/],
    ['AWS_ENDPOINT_URL_STS', /sends credentials/],
    ['AWS_ACCESS_KEY_ID', /set by atmos-auth itself/],
    ['ATMOS_AUTH_ENV_KEYS', /set by atmos-auth itself/],
    ['ATMOS_IDENTITY', /never exported/],
    ['GIT_SSH_COMMAND', /git runs/],
    ['PROMPT_COMMAND', /before each prompt/],
    ['precmd_functions', /zsh hook arrays/],
    ['__atmos_auth_active', /hook state/],
    ['XDG_CONFIG_HOME', /trust records/],
  ];
  for (const [key, why] of cases) {
    const root = fixture(`    a:\n${PS_A}      env:\n        - { key: OK_ONE, value: x }\n        - key: ${key}\n          value: y\n`);
    const r = cli(['resolve', '--no-cache', '--dir', join(root, 'stacks/orgs/plat')]);
    assert.is(r.code, 1, key);
    assert.is(r.stdout, '', key);
    assert.ok(r.stderr.includes(`${join(root, 'atmos.yaml')}:16:11:`), `${key}: ${r.stderr}`);
    assert.ok(r.stderr.includes(`identity 'a': env key ${key} is refused: it `), r.stderr);
    assert.match(r.stderr, why);
    assert.match(r.stderr, /SECURITY\.md/);
  }
});

test('SECURITY.md lists every deny-list entry (the module is the source)', () => {
  const doc = readFileSync(join(projectRoot, 'SECURITY.md'), 'utf8');
  for (const [pattern] of ENV_DENYLIST) assert.ok(doc.includes(`| \`${pattern}\` |`), pattern);
});

test('env: malformed entries are configuration errors with their position', () => {
  const cases: [string, RegExp][] = [
    ['      env: { FOO: bar }\n', /env must be a list of \{key, value\} entries/],
    ['      env: [ "FOO=bar" ]\n', /env entry 1 must be a map/],
    ['      env: [ { key: "1BAD", value: x } ]\n', /env key "1BAD" is not a valid variable name/],
    ['      env: [ { key: "A-B", value: x } ]\n', /not a valid variable name/],
    ['      env: [ { key: FOO, value: !exec "id" } ]\n', /env FOO uses !exec, which atmos-auth does not evaluate/],
    ['      env: [ { key: FOO, value: [1, 2] } ]\n', /env FOO must have a scalar value/],
  ];
  for (const [yaml, want] of cases) {
    const root = fixture(`    a:\n${PS_A}${yaml}`);
    const r = cli(['resolve', '--no-cache', '--dir', join(root, 'stacks/orgs/plat')]);
    assert.is(r.code, 1, yaml);
    assert.is(r.stdout, '');
    assert.match(r.stderr, want);
    assert.match(r.stderr, new RegExp(`${join(root, 'atmos.yaml').replaceAll('/', '\\/')}:1[45]:\\d+`));
  }
});

test('provider: next to via.provider is accepted; provider: without via is refused as Atmos does, with the fix', () => {
  const ok = resolveJson(join(fixture(`    a:\n      kind: aws/permission-set\n      provider: sso\n      via: { provider: sso }\n      principal: { name: PS-A, account: { name: acct-a } }\n`), 'stacks/orgs/plat'));
  assert.is((ok.chain[0] as { name: string }).name, 'sso');
  const root = fixture(`    a:\n      kind: aws/permission-set\n      provider: sso\n      principal: { name: PS-A, account: { name: acct-a } }\n`);
  const r = cli(['resolve', '--no-cache', '--dir', join(root, 'stacks/orgs/plat')]);
  assert.is(r.code, 1);
  assert.match(r.stderr, /atmos\.yaml:\d+:\d+: identity 'a' needs via\.provider or via\.identity/);
  assert.match(r.stderr, /provider: sso is informational; Atmos \(like atmos-auth\) builds the chain from via: add via: \{provider: sso\}/);
});

test('aws/user: keys from YAML (!env) are used, redacted in resolve output; one of the two alone is an error; unset !env means the local store', () => {
  const user = `    a:
      kind: aws/user
      credentials:
        access_key_id: !env FIELDS_KEY_ID
        secret_access_key: !env FIELDS_SECRET
        mfa_arn: arn:aws:iam::1:mfa/u
`;
  const root = fixture(user);
  const dir = join(root, 'stacks/orgs/plat');
  const r = cli(['resolve', '--json', '--no-cache', '--dir', dir], { env: { FIELDS_KEY_ID: 'AKIAFIELDSTEST00001', FIELDS_SECRET: 'very/secret/value/xyz' } });
  assert.is(r.code, 0, r.stderr);
  assert.not.ok(r.stdout.includes('very/secret/value/xyz'), 'the secret is never printed');
  const hop = (JSON.parse(r.stdout) as { chain: Record<string, unknown>[] }).chain[0]!;
  assert.equal(hop.yamlKeys, { accessKeyId: 'AKIAFIELDSTEST00001', secretAccessKey: '(redacted)' });
  assert.is(hop.mfaArn, 'arn:aws:iam::1:mfa/u');
  const text = cli(['resolve', '--no-cache', '--dir', dir], { env: { FIELDS_KEY_ID: 'AKIAFIELDSTEST00001', FIELDS_SECRET: 'very/secret/value/xyz' } });
  assert.match(text.stdout, /a \(aws\/user, MFA, keys from YAML\)/);
  // Neither set: the local store (no yamlKeys).
  const none = resolveJson(dir);
  assert.is(none.chain[0]!.yamlKeys, undefined);
  // One alone: Atmos's ErrInvalidAuthConfig (user.go:244), with the file and line.
  const half = cli(['resolve', '--no-cache', '--dir', dir], { env: { FIELDS_KEY_ID: 'AKIAFIELDSTEST00001' } });
  assert.is(half.code, 1);
  assert.match(half.stderr, /atmos\.yaml:\d+:\d+: identity 'a' \(aws\/user\): credentials\.access_key_id and secret_access_key must both be provided or both be empty/);
  const tag = cli(['resolve', '--no-cache', '--dir', join(fixture(`    a:\n      kind: aws/user\n      credentials: { access_key_id: !exec "echo k", secret_access_key: x }\n`), 'stacks/orgs/plat')]);
  assert.match(tag.stderr, /credentials\.access_key_id uses !exec, which atmos-auth does not evaluate/);
});

test('aws/user session.duration: default 43200, flexible formats, invalid -> default, clamped to 900..43200 (129600 with MFA)', () => {
  const cases: [string, boolean, number][] = [
    ['', false, 43200],
    ['session: { duration: 2h }', false, 7200],
    ['session: { duration: "3600" }', false, 3600],
    ['session: { duration: 5400 }', false, 5400],
    ['session: { duration: 1h30m }', false, 5400],
    ['session: { duration: 5m }', false, 900],
    ['session: { duration: 48h }', false, 43200],
    ['session: { duration: 48h }', true, 129600],
    ['session: { duration: 1d }', true, 86400],
    ['session: { duration: 2d }', true, 129600],
    ['session: { duration: soon }', true, 43200],
    ['session: { duration: "-1h" }', false, 43200],
  ];
  for (const [session, mfa, want] of cases) {
    const root = fixture(`    a:\n      kind: aws/user\n${mfa ? '      credentials: { mfa_arn: "arn:aws:iam::1:mfa/u" }\n' : ''}${session ? `      ${session}\n` : ''}`);
    const r = resolveJson(join(root, 'stacks/orgs/plat'));
    assert.is(r.chain[0]!.sessionDuration, want, `${session} mfa=${mfa}`);
  }
});

test('aws/assume-role: principal.duration is a Go duration string; numbers, unit-less strings and session.duration are ignored as in Atmos', () => {
  const cases: [string, number | undefined][] = [
    ['principal: { assume_role: "arn:aws:iam::1:role/r", duration: 2h }', 7200],
    ['principal: { assume_role: "arn:aws:iam::1:role/r", duration: 1h30m }', 5400],
    ['principal: { assume_role: "arn:aws:iam::1:role/r", duration: "90.9m" }', 5454],
    ['principal: { assume_role: "arn:aws:iam::1:role/r", duration: "3600" }', undefined],
    ['principal: { assume_role: "arn:aws:iam::1:role/r", duration: 3600 }', undefined],
    ['principal: { assume_role: "arn:aws:iam::1:role/r" }\n      session: { duration: 2h }', undefined],
  ];
  for (const [body, want] of cases) {
    const root = fixture(`    base:\n${PS_A}    a:\n      kind: aws/assume-role\n      via: { identity: base }\n      ${body}\n`);
    const r = resolveJson(join(root, 'stacks/orgs/plat'));
    assert.is(r.chain[2]!.duration, want, body);
  }
});

test('list: alias and tags; --tags keeps identities with any of the tags (exact, case-sensitive)', () => {
  const root = fixture(`    a:\n${PS_A}      alias: Alpha Admin\n      tags: [prod, admin]\n    b:\n${PS_A.replace('PS-A', 'PS-B')}      tags: [dev]\n    c:\n${PS_A.replace('PS-A', 'PS-C')}`);
  const list = (extra: string[]) => {
    const r = cli(['list', '--json', '--dir', root, ...extra]);
    assert.is(r.code, 0, r.stderr);
    return (JSON.parse(r.stdout) as { identities: { name: string; alias?: string; tags: string[] }[] }).identities;
  };
  const all = list([]);
  assert.equal(all.map((i) => [i.name, i.alias ?? null, i.tags]), [['a', 'Alpha Admin', ['prod', 'admin']], ['b', null, ['dev']], ['c', null, []]]);
  assert.equal(list(['--tags', 'admin']).map((i) => i.name), ['a']);
  assert.equal(list(['--tags', ' dev , prod ']).map((i) => i.name), ['a', 'b']);
  assert.equal(list(['--tags', 'Admin']).map((i) => i.name), []);
  const text = cli(['list', '--dir', root, '--tags', 'admin']);
  assert.match(text.stdout, /a\s+aws\/permission-set PS-A @ acct-a {2}alias: Alpha Admin {2}tags: prod, admin/);
});

const COMPONENT_STACK = `auth: { identities: { a: { default: true } } }
terraform:
  auth: { identities: { dns-only: { default: false } } }
components:
  terraform:
    vpc:
      auth: { identities: { b: { default: true }, ghost: { default: false } } }
    dns:
      auth: { identities: { a: { default: false } } }
    iam:
      vars: { region: eu-west-1 }
      auth:
        identities:
          a:
            principal: { name: PS-IAM }
    bad:
      auth: { identities: { ghost: { default: true } } }
    two:
      auth: { identities: { a: { default: true }, b: { default: true } } }
    plain: {}
    own:
      auth:
        providers:
          team-sso: { kind: aws/iam-identity-center, start_url: https://team.awsapps.com/start, region: eu-west-1 }
        identities:
          team:
            kind: aws/permission-set
            default: true
            via: { provider: team-sso }
            principal: { name: PS-TEAM, account: { id: "222222222222" } }
`;

test('--stack/--component: the component\'s auth section chooses, demotes or overrides, as atmos terraform plan C -s S', () => {
  const root = fixture(`    a:\n${PS_A}    b:\n${PS_A.replace('PS-A', 'PS-B')}      env: [ { key: COMPONENT_B, value: yes } ]\n`, COMPONENT_STACK);
  const elsewhere = root; // any directory of the repository: -s finds the stack by name
  const vpc = resolveJson(elsewhere, ['-s', 'plat-dev', '-c', 'vpc']);
  assert.is(vpc.identity, 'b');
  assert.is(vpc.source, 'component');
  assert.is(vpc.component, 'vpc');
  assert.equal(vpc.stacks, ['plat-dev']);
  assert.equal(vpc.env, [{ key: 'COMPONENT_B', value: 'yes' }]);
  const plain = resolveJson(elsewhere, ['--stack', 'plat-dev', '--component', 'plain']);
  assert.is(plain.identity, 'a');
  assert.is(plain.source, 'stack');
  const stackOnly = resolveJson(elsewhere, ['--stack', 'plat-dev']);
  assert.is(stackOnly.identity, 'a');
  const dns = resolveJson(elsewhere, ['-s', 'plat-dev', '-c', 'dns']);
  assert.is(dns.identity, null);
  assert.match(String(dns.reason), /component dns of stack plat-dev sets default: false/);
  const iam = resolveJson(elsewhere, ['-s', 'plat-dev', '-c', 'iam']);
  assert.is(iam.identity, 'a');
  assert.is(iam.chain[1]!.permissionSet, 'PS-IAM', 'a component declaration merges over the identity');
  assert.is(iam.region, 'eu-west-1');
  const own = resolveJson(elsewhere, ['-s', 'plat-dev', '-c', 'own']);
  assert.is(own.identity, 'team', 'a component may declare its own provider and identity');
  assert.is(own.chain[0]!.startUrl, 'https://team.awsapps.com/start');
  // ATMOS_IDENTITY still wins over any default, as in Atmos.
  assert.is(resolveJson(elsewhere, ['-s', 'plat-dev', '-c', 'vpc'], { ATMOS_IDENTITY: 'a' }).identity, 'a');
  const errs: [string[], RegExp, number][] = [
    [['-s', 'plat-dev', '-c', 'bad'], /component 'bad' of stack plat-dev makes identity 'ghost' its default, but the active configuration does not define it/, 1],
    [['-s', 'plat-dev', '-c', 'two'], /several default identities for component 'two' of stack plat-dev: a, b/, 1],
    [['-s', 'plat-dev', '-c', 'vcp'], /component 'vcp' is not defined in stack plat-dev \(did you mean 'vpc'\?\)/, 1],
    [['-s', 'plat-deev'], /no stack named plat-deev \(did you mean plat-dev\?\)/, 1],
    [['-c', 'vpc'], /--component needs --stack/, 2],
  ];
  for (const [args, want, code] of errs) {
    const r = cli(['resolve', '--dir', elsewhere, ...args]);
    assert.is(r.code, code, args.join(' '));
    assert.is(r.stdout, '');
    assert.match(r.stderr, want);
  }
});

test.run();
