// Conformance: which profile applies (pkg/config/load_profile_test.go, load_profiles_default_test.go,
// profiles_test.go, profiles_identity_helpers_test.go, auth_defaults_test.go, profile_stacks_discovery_test.go,
// pkg/auth/profile_fallback_test.go). Each profile here carries a marker identity `which` whose
// permission set names the profile, so the chain tells which profiles merged in which order.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { resolveDirectory } from '../../src/atmos/resolve.ts';
import { atmosYaml, cleanEnv, identityYaml, repo, runCases, type Case } from './helpers.ts';

const LP = 'pkg/config/load_profile_test.go';
const LD = 'pkg/config/load_profiles_default_test.go';
const PT = 'pkg/config/profiles_test.go';
const PI = 'pkg/config/profiles_identity_helpers_test.go';
const AD = 'pkg/config/auth_defaults_test.go';

/** A profile that sets the config default `which` to itself (its permission set is PS-<name>). */
const profile = (name: string) => `auth:\n  identities:\n    which:\n      default: true\n      principal:\n        name: PS-${name}\n`;

/** A repository with profiles p1, p2, dev, staging, prod, ci, monitoring; `which` defined in atmos.yaml (PS-base). */
function profileRepo(atmosExtra = ''): Record<string, string> {
  const files: Record<string, string> = {
    'atmos.yaml': atmosYaml(['which*']).replace('    name: PS-which\n', '    name: PS-base\n') + atmosExtra,
  };
  for (const p of ['p1', 'p2', 'dev', 'staging', 'prod', 'ci', 'monitoring', 'my-profile', 'managers']) files[`profiles/${p}/atmos.yaml`] = profile(p);
  return files;
}

/** The permission set of `which`, i.e. the last profile merged ('base' when none). */
const lastProfile = (r: ReturnType<typeof resolveDirectory>) => {
  const hop = r.chain[r.chain.length - 1];
  return hop?.kind === 'aws/permission-set' ? hop.permissionSet.replace(/^PS-/, '') : undefined;
};

interface ProfileCase { id: string; atmos: string; says: string; env?: Record<string, string>; flag?: string; atmosExtra?: string; profiles: string[]; last: string }

const selection: ProfileCase[] = [
  { id: 'PR01', atmos: `${AD}:346; ${LP}:184`, says: 'no flag, no ATMOS_PROFILE, no profiles.default: no profile', profiles: [], last: 'base' },
  { id: 'PR02', atmos: `${AD}:356; ${LP}:171`, says: 'ATMOS_PROFILE selects the profile', env: { ATMOS_PROFILE: 'my-profile' }, profiles: ['my-profile'], last: 'my-profile' },
  { id: 'PR03', atmos: `${AD}:366`, says: 'a comma list in ATMOS_PROFILE selects each, merged left to right', env: { ATMOS_PROFILE: 'ci,monitoring' }, profiles: ['ci', 'monitoring'], last: 'monitoring' },
  { id: 'PR04', atmos: `${LP}:112`, says: 'AWS_PROFILE never selects an Atmos profile (#2076)', env: { AWS_PROFILE: 'dev' }, profiles: [], last: 'base' },
  { id: 'PR05', atmos: `${LP}:145`, says: 'ATMOS_PROFILE still works beside AWS_PROFILE', env: { AWS_PROFILE: 'my-aws-profile', ATMOS_PROFILE: 'dev' }, profiles: ['dev'], last: 'dev' },
  { id: 'PR06', atmos: `${LP}:200; ${LD}:18`, says: 'an empty ATMOS_PROFILE is unset: profiles.default applies', env: { ATMOS_PROFILE: '' }, atmosExtra: 'profiles:\n  default: managers\n', profiles: ['managers'], last: 'managers' },
  { id: 'PR07', atmos: `${LP}:266-286`, says: 'spaces around commas are trimmed', env: { ATMOS_PROFILE: 'dev , staging , prod' }, profiles: ['dev', 'staging', 'prod'], last: 'prod' },
  { id: 'PR08', atmos: `${LP}:266-296`, says: 'only commas: no profile', env: { ATMOS_PROFILE: ',,,' }, profiles: [], last: 'base' },
  { id: 'PR09', atmos: `${LP}:266-301`, says: 'a trailing comma is ignored', env: { ATMOS_PROFILE: 'dev,staging,' }, profiles: ['dev', 'staging'], last: 'staging' },
  { id: 'PR10', atmos: `${LP}:12-95`, says: '--profile with a comma list, spaces and empty entries: the non-empty names in order', flag: ' dev, ,staging,', profiles: ['dev', 'staging'], last: 'staging' },
  { id: 'PR11', atmos: `${LD}:18`, says: 'profiles.default loads when neither flag nor ATMOS_PROFILE is set', atmosExtra: 'profiles:\n  default: managers\n', profiles: ['managers'], last: 'managers' },
  { id: 'PR12', atmos: `${LD}:171`, says: 'an explicit --profile overrides profiles.default', flag: 'dev', atmosExtra: 'profiles:\n  default: managers\n', profiles: ['dev'], last: 'dev' },
  { id: 'PR13', atmos: `${LD}:201`, says: 'ATMOS_PROFILE overrides profiles.default', env: { ATMOS_PROFILE: 'dev' }, atmosExtra: 'profiles:\n  default: managers\n', profiles: ['dev'], last: 'dev' },
  { id: 'PR14', atmos: 'pkg/config/load.go:279-295', says: '--profile overrides ATMOS_PROFILE', env: { ATMOS_PROFILE: 'p2' }, flag: 'p1', profiles: ['p1'], last: 'p1' },
  { id: 'PR15', atmos: `${PI}:381`, says: 'profiles.default is trimmed', atmosExtra: 'profiles:\n  default: "  dev  "\n', profiles: ['dev'], last: 'dev' },
  { id: 'PR16', atmos: `${PI}:394`, says: 'a blank profiles.default selects nothing', atmosExtra: 'profiles:\n  default: "   "\n', profiles: [], last: 'base' },
  { id: 'PR17', atmos: `${PT}:450-457; examples/config-profiles/README.md:297-300`, says: 'several profiles: the rightmost wins', flag: 'p2,p1', profiles: ['p2', 'p1'], last: 'p1' },
];

for (const c of selection) {
  test(`${c.id} (atmos: ${c.atmos}) ${c.says}`, () => {
    const root = repo(profileRepo(c.atmosExtra));
    try {
      const r = resolveDirectory({ dir: root, env: cleanEnv(c.env ?? {}), ...(c.flag !== undefined ? { profile: c.flag } : {}) });
      assert.equal(r.profiles, c.profiles);
      assert.is(r.identity, 'which');
      assert.is(lastProfile(r), c.last);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
}

const realm = {
  'atmos.yaml': atmosYaml(['root-admin*', 'plat-dev/terraform']),
  'profiles/ci/settings.yaml': 'logs:\n  level: Warning\n',
  'profiles/developer/settings.yaml': 'logs:\n  level: Debug\n',
};

const cases: Case[] = [
  {
    id: 'PR18', atmos: `${PT}:459-466; ${AD}:433`, says: 'a nonexistent profile is an error listing the available ones',
    files: realm, env: { ATMOS_PROFILE: 'nonexistent' },
    want: { error: /unknown profile 'nonexistent' \(from ATMOS_PROFILE\); available: ci, developer$/, hint: /^check the spelling.*searched: / },
  },
  {
    id: 'PR19', atmos: `${AD}:207-236; pkg/config/profiles.go:296-300`, says: 'an ATMOS_PROFILE naming an identity in another case still gets the ATMOS_IDENTITY hint, with the identity\'s own spelling',
    files: realm, env: { ATMOS_PROFILE: 'ROOT-ADMIN' },
    want: { error: /unknown profile 'ROOT-ADMIN'/, hint: /'ROOT-ADMIN' is an auth identity.*export ATMOS_IDENTITY=root-admin/ },
  },
  {
    id: 'PR20', atmos: `${AD}:207-236`, says: 'an identity name with a slash is recognised too (--profile)',
    files: realm, profile: 'plat-dev/terraform',
    want: { error: /unknown profile 'plat-dev\/terraform' \(from --profile\)/, hint: /is an auth identity.*export ATMOS_IDENTITY=plat-dev\/terraform/ },
  },
  {
    id: 'PR21', atmos: `${AD}:207-236`, says: 'a partial identity name is no identity: the spelling hint',
    files: realm, env: { ATMOS_PROFILE: 'root' },
    want: { error: /unknown profile 'root'/, hint: /^check the spelling/ },
  },
  {
    id: 'PR22', atmos: `${AD}:377-408`, says: 'identity names are never listed as profiles',
    files: realm, env: { ATMOS_PROFILE: 'root-admin' },
    want: { error: /available: ci, developer$/ },
  },
  {
    id: 'PR23', atmos: `${AD}:447-465; ${PT}:183-200`, says: 'a profile in .atmos/profiles wins over the same name in profiles/',
    files: {
      'atmos.yaml': atmosYaml(['which']),
      '.atmos/profiles/ci/atmos.yaml': profile('hidden'),
      'profiles/ci/atmos.yaml': profile('project'),
    },
    env: { ATMOS_PROFILE: 'ci' },
    want: { identity: 'which', source: 'config', profiles: ['ci'] },
  },
  {
    id: 'PR24', atmos: `${PT}:45-80`, says: 'a relative profiles.base_path is searched first (relative to the config dir)',
    files: {
      'atmos.yaml': atmosYaml(['which'], { extra: 'profiles:\n  base_path: custom-profiles\n' }),
      'custom-profiles/ci/atmos.yaml': profile('custom'),
      'profiles/ci/atmos.yaml': 'auth:\n  identities:\n    which:\n      principal:\n        name: WRONG\n',
    },
    env: { ATMOS_PROFILE: 'ci' },
    want: { identity: 'which', source: 'config', profiles: ['ci'] },
  },
  {
    id: 'PR25', atmos: `${LD}:78-131`, says: 'a profile file\'s imported file brings its identities',
    files: {
      'atmos.yaml': atmosYaml([], { extra: 'profiles:\n  base_path: profiles\n  default: managers\n' }),
      'profiles/managers/imports/auth.yaml': 'auth:\n  identities:\n' + identityYaml('imported-identity', '    '),
      'profiles/managers/atmos.yaml': 'import:\n  - imports/auth.yaml\nsettings:\n  terminal:\n    max_width: 120\n',
    },
    env: { ATMOS_IDENTITY: 'imported-identity' },
    want: { identity: 'imported-identity', source: 'env', profiles: ['managers'] },
  },
  {
    id: 'PR26', atmos: 'pkg/config/profile_stacks_discovery_test.go:20-90', says: 'stacks settings merged from the profile decide which manifests are stacks',
    files: {
      'atmos.yaml': 'base_path: .\nprofiles:\n  base_path: profiles\nauth:\n  providers:\n    test-sso:\n      kind: aws/iam-identity-center\n      start_url: https://x\n      region: us-east-1\n  identities:\n' + identityYaml('app', '    '),
      'profiles/test/atmos.yaml': 'stacks:\n  base_path: profile-stacks\n  included_paths:\n    - "deploy/**/*.yaml"\n',
      'profile-stacks/deploy/dev.yaml': 'vars:\n  stage: dev\nauth:\n  identities:\n    app:\n      default: true\n',
    },
    dir: 'profile-stacks/deploy', profile: 'test',
    want: { identity: 'app', source: 'stack', stacks: ['deploy/dev'] },
  },
  {
    id: 'PR27', atmos: `${PI}:55-146; pkg/auth/profile_fallback_test.go:160-200`,
    says: 'an identity the active configuration lacks: the error names the profiles that define it (case-insensitively, sorted)',
    files: {
      'atmos.yaml': atmosYaml(['base-only']),
      'profiles/zeta/atmos.yaml': 'auth:\n  identities:\n' + identityYaml('Deployer', '    '),
      'profiles/alpha/atmos.yaml': 'auth:\n  identities:\n' + identityYaml('deployer', '    '),
      'profiles/plain/atmos.yaml': 'logs:\n  level: Info\n',
      'stacks/dev.yaml': 'auth:\n  identities:\n    deployer:\n      default: true\n',
    },
    dir: 'stacks', env: { ATMOS_PROFILE: 'plain' },
    want: { error: /identity 'deployer' is the default of stack manifest .*\(profile plain\) does not define it/, hint: /profiles that define it: alpha, zeta; e\.g\. export ATMOS_PROFILE=alpha/ },
  },
];

test('PR23/PR24 answer from the winning location (hidden over project; profiles.base_path first)', () => {
  for (const [files, want] of [
    [{ 'atmos.yaml': atmosYaml(['which']), '.atmos/profiles/ci/atmos.yaml': profile('hidden'), 'profiles/ci/atmos.yaml': profile('project') }, 'hidden'],
    [{ 'atmos.yaml': atmosYaml(['which'], { extra: 'profiles:\n  base_path: custom-profiles\n' }), 'custom-profiles/ci/atmos.yaml': profile('custom'), 'profiles/ci/atmos.yaml': profile('project') }, 'custom'],
  ] as const) {
    const root = repo(files);
    try {
      assert.is(lastProfile(resolveDirectory({ dir: join(root, '.'), env: cleanEnv({ ATMOS_PROFILE: 'ci' }) })), want);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }
});

runCases(cases);
