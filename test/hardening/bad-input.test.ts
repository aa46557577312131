// Issue 5 §2: bad input. One row per case: the repository or a cache file is broken in one way, then
// `export` runs. Each row states the exit code, that stdout is empty on error (complete exports
// otherwise), what stderr must name (file:line:col, the file to remove, the command to run), and
// which cache files may differ afterwards: a snapshot (content hash, mode, owner, symlink target)
// of ~/.cache/atmos-auth, ~/.aws/sso/cache and ~/.config/atmos-auth is taken before and after.
//
// What may change, by design (see the rows): a corrupted disposable cache entry (credentials,
// resolution, parse, accounts) is a miss, and the successful run replaces it with a valid 0600 file;
// an entry that is unsafe to read (credentials: open mode, foreign owner, symlink) is refused with
// the path to remove and nothing is written; a broken SSO token file is never "repaired" without a
// login; a planted symlink is never followed and its target never written.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFileSync, chmodSync, chownSync, existsSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFakeAws } from '../fake-aws/server.ts';
import { cli, parseExports, type Sandbox } from '../e2e/helpers.ts';
import { entryPathOf } from '../../src/atmos/parse-cache.ts';
import { cacheDirs, changedPaths, cloneSandbox, jsonField, oneFile, snapshot, validPrivateJson, warmSandbox } from './helpers.ts';

const fake = await startFakeAws();
// Logged in once, every cache filled; each cache row damages a copy of this HOME.
const golden = await warmSandbox(fake);
test.after(async () => {
  golden.cleanup();
  await fake.close();
});

const NOBODY = 65534;
const YEAR_MS = 365 * 86400_000;

/** The files of one warmed-up sandbox. */
function files(sb: Sandbox) {
  const d = cacheDirs(sb);
  return {
    credentials: () => oneFile(d.credentials),
    resolution: () => oneFile(d.resolve),
    parse: () => entryPathOf(join(sb.stackDir('plat/dev'), 'us-east-2.yaml'), d.own),
    accounts: () => oneFile(d.sso, /^accounts-/),
    // The token file is the AWS CLI cache entry that holds an accessToken (the other one is the registration).
    ssoToken: () => {
      const hits = ['520d081ff744622a81286dc87e136c6485c7253f.json'].map((n) => join(d.awsSso, n));
      for (const h of hits) if (jsonField(h, 'accessToken')) return h;
      throw new Error('no SSO token file');
    },
    atmosSso: () => d.atmosSso,
  };
}

type Kind = 'credentials' | 'resolution' | 'parse' | 'accounts' | 'ssoToken';
type Corruption = 'truncated' | 'empty' | 'wrong JSON types' | 'wrong inner types' | 'mode 0644' | 'foreign owner' | 'planted symlink';

const editFile = (f: string, fn: (s: string) => string) => writeFileSync(f, fn(readFileSync(f, 'utf8')));

/** Replaces every top-level value by one of another JSON type. */
function retype(v: unknown): unknown {
  if (typeof v === 'string') return 42;
  if (typeof v === 'number') return 'x';
  if (typeof v === 'boolean') return 'yes';
  if (Array.isArray(v)) return { a: 1 };
  if (v && typeof v === 'object') return [1, 'two'];
  return 0;
}

/** Deeper damage that survives a shallow check: the right envelope, wrong types inside. */
const innerDamage: Record<Kind, (o: Record<string, unknown>) => Record<string, unknown>> = {
  credentials: (o) => ({ ...o, credentials: { accessKeyId: 7, secretAccessKey: ['x'], expiration: {} } }),
  resolution: (o) => ({ ...o, resolution: { identity: 42, chain: 'x', stacks: 7, profiles: {}, files: [], dirs: [] } }),
  parse: (o) => ({ ...o, tree: ['not', 'a', 'map'] }),
  accounts: (o) => ({ ...o, accounts: [1, null, { accountId: 5 }] }),
  ssoToken: (o) => ({ ...o, accessToken: 12345, expiresAt: ['soon'] }),
};

/** Damages `f` as `c` says; returns the bait file a planted symlink points to (owned by the test). */
function corrupt(sb: Sandbox, kind: Kind, f: string, c: Corruption): string | undefined {
  switch (c) {
    case 'truncated': editFile(f, (s) => s.slice(0, Math.floor(s.length / 2))); return;
    case 'empty': writeFileSync(f, ''); return;
    case 'wrong JSON types': editFile(f, (s) => JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(s) as object).map(([k, v]) => [k, retype(v)])))); return;
    case 'wrong inner types': editFile(f, (s) => JSON.stringify(innerDamage[kind](JSON.parse(s) as Record<string, unknown>))); return;
    case 'mode 0644': chmodSync(f, 0o644); return;
    case 'foreign owner': chownSync(f, NOBODY, NOBODY); return;
    case 'planted symlink': {
      const bait = join(sb.dir, `bait-${kind}.json`);
      writeFileSync(bait, readFileSync(f, 'utf8'), { mode: 0o600 });
      unlinkSync(f);
      symlinkSync(bait, f);
      return bait;
    }
  }
}

interface Expect {
  code: number;
  /** Patterns stderr must match (each). */
  stderr?: (f: string) => RegExp[];
  /** Paths allowed to differ afterwards (others must not). */
  mayChange?: (f: string, fs: ReturnType<typeof files>) => string[];
  /** A cache subdirectory (of ~/.cache/atmos-auth) whose files may all change. */
  mayChangeDir?: string;
  /** Extra checks once done. */
  after?: (f: string, fs: ReturnType<typeof files>) => void;
  ops?: Record<string, number>;
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const recovered = (extraMay: (fs: ReturnType<typeof files>) => string[] = () => [], ops: Record<string, number> = {}): Expect => ({
  code: 0,
  mayChange: (f, fs) => [f, ...extraMay(fs)],
  after: (f) => assert.ok(validPrivateJson(f), `${f} replaced by a valid 0600 file`),
  ops,
});
const refusedWithPath: Expect = {
  code: 1,
  stderr: (f) => [new RegExp(`refusing to use ${esc(f)}`), /remove it/],
  mayChange: () => [],
};
const ssoLoginNeeded: Expect = {
  code: 1,
  stderr: (f) => [/atmos-auth login/, new RegExp(esc(f))],
  mayChange: () => [],
};

/** What each damaged cache file must lead to (export --no-login in plat/dev). */
const expectations: Record<Kind, Partial<Record<Corruption, Expect>> & { default: Expect; prepare?: (fs: ReturnType<typeof files>) => void }> = {
  // Disposable, but holds secrets: damaged -> refetched and replaced; unsafe -> refused.
  credentials: {
    default: recovered(() => [], { GetRoleCredentials: 1 }),
    'mode 0644': refusedWithPath,
    'foreign owner': refusedWithPath,
    'planted symlink': refusedWithPath,
  },
  // Disposable and secret-free: any damage is a miss, the entry is rewritten (a symlink is replaced, not followed).
  resolution: { default: recovered() },
  // Read only on a resolution miss, so that entry is removed first (and comes back). Damage inside a
  // well-formed entry is caught by the engine's error, confirmed without the cache: the entry is dropped.
  parse: {
    default: recovered((fs) => [fs.resolution()]),
    // (the entries of every file of that resolution are dropped: which one was wrong is not known)
    'wrong inner types': { code: 0, mayChange: (_f, fs) => [fs.resolution()], mayChangeDir: 'yaml', after: (f) => assert.not.ok(existsSync(f), 'the bad entry was dropped') },
    prepare: (fs) => rmSync(fs.resolution()),
  },
  // Read only on a credentials miss, so those are removed first (and come back).
  accounts: { default: recovered((fs) => [fs.credentials()], { ListAccounts: 1 }), prepare: (fs) => rmSync(fs.credentials()) },
  // The AWS CLI's file: never rewritten without a login; a broken one names itself in the error.
  ssoToken: {
    default: ssoLoginNeeded,
    // The JS SDK writes its token files with the umask: an 0644 token of ours is still used.
    'mode 0644': { code: 0, mayChange: (_f, fs) => [fs.credentials()] },
    // Atmos's copy of the session (written by the login too) would serve: this is about the AWS CLI file.
    prepare: (fs) => { rmSync(fs.credentials()); rmSync(fs.atmosSso(), { recursive: true, force: true }); },
  },
};

const kinds: Kind[] = ['credentials', 'resolution', 'parse', 'accounts', 'ssoToken'];
const corruptions: Corruption[] = ['truncated', 'empty', 'wrong JSON types', 'wrong inner types', 'mode 0644', 'foreign owner', 'planted symlink'];

for (const kind of kinds) {
  for (const c of corruptions) {
    test(`cache: ${kind} ${c}`, async () => {
      const sb = await cloneSandbox(golden);
      try {
        const fs = files(sb);
        const spec = expectations[kind];
        const f = fs[kind]();
        spec.prepare?.(fs);
        const bait = corrupt(sb, kind, f, c);
        const before = snapshot(sb, bait ? [bait] : []);
        const baitText = bait ? readFileSync(bait, 'utf8') : '';
        fake.clearLog();
        const r = await cli(sb, ['export', '--no-login']);
        const want = spec[c] ?? spec.default;
        assert.is(r.code, want.code, `exit code; stderr: ${r.stderr}`);
        assert.not.match(r.stderr, /internal error/);
        if (want.code === 0) {
          assert.is(parseExports(r.stdout).ATMOS_AUTH_IDENTITY, 'plat-dev/terraform');
        } else {
          assert.is(r.stdout, '', 'nothing on stdout');
          assert.is(r.stderr.trim().split('\n').filter((l) => l.startsWith('atmos-auth:')).length, 1, `one message: ${r.stderr}`);
        }
        for (const re of want.stderr?.(f) ?? []) assert.match(r.stderr, re);
        const changed = changedPaths(before, snapshot(sb, bait ? [bait] : []));
        const may = new Set(want.mayChange?.(f, fs) ?? []);
        const dirOk = (p: string) => !!want.mayChangeDir && p.startsWith(join(cacheDirs(sb).own, want.mayChangeDir) + '/');
        assert.equal(changed.filter((p) => !may.has(p) && !dirOk(p)), [], 'only the documented files changed');
        if (bait) {
          assert.is(readFileSync(bait, 'utf8'), baitText, 'the symlink target was not written');
          if (want.code === 0 && may.has(f)) assert.ok(validPrivateJson(f), 'the link was replaced by a private file');
        }
        want.after?.(f, fs);
        for (const [op, n] of Object.entries(want.ops ?? {})) assert.is(fake.count(op), n, op);
        assert.is(fake.count('Authorize'), 0, 'no login');
      } finally {
        sb.cleanup();
      }
    });
  }
}

// ---- the repository itself ----

interface ConfigRow {
  name: string;
  edit: (sb: Sandbox) => void;
  args?: string[];
  stderr: (sb: Sandbox) => RegExp[];
}

const configRows: ConfigRow[] = [
  {
    name: 'malformed YAML: file:line:col',
    edit: (sb) => writeFileSync(join(sb.stackDir('plat/dev'), 'us-east-2.yaml'), 'import:\n  - orgs/acme/plat/dev/_defaults\n vars: [\n'),
    stderr: (sb) => [new RegExp(`${esc(join(sb.stackDir('plat/dev'), 'us-east-2.yaml'))}:3:\\d+: invalid YAML`)],
  },
  {
    name: 'import cycle: the cycle is printed',
    edit: (sb) => editFile(join(sb.acme, 'stacks/orgs/acme/plat/_defaults.yaml'), (s) => `import:\n  - orgs/acme/plat/dev/_defaults\n${s.replace(/^import:\n/m, '')}`),
    stderr: (sb) => [new RegExp(`${esc(join(sb.acme, 'stacks/orgs/acme/plat/_defaults.yaml'))}:2:\\d+: import cycle: .*plat/dev/_defaults.yaml -> .*plat/_defaults.yaml -> .*plat/dev/_defaults.yaml`)],
  },
  {
    name: 'missing import: file:line:col and where it looked',
    edit: (sb) => editFile(join(sb.stackDir('plat/dev'), 'us-east-2.yaml'), (s) => s.replace('catalog/vpc/defaults', 'catalog/vpc/nope')),
    stderr: (sb) => [new RegExp(`${esc(join(sb.stackDir('plat/dev'), 'us-east-2.yaml'))}:\\d+:\\d+: import 'catalog/vpc/nope' not found`)],
  },
  {
    name: 'unknown profile: lists those that exist',
    edit: () => {},
    args: ['export', '--profile', 'developer'],
    stderr: () => [/unknown profile 'developer'/, /available: developers, devops, github-apply, github-plan, managers, superadmin/],
  },
  {
    name: 'identity kind typo: a suggestion',
    edit: (sb) => editFile(join(sb.acme, 'profiles/developers/atmos.yaml'), (s) => s.replace(/(plat-dev\/terraform:\n\s+kind: )aws\/permission-set/, '$1aws/permision-set')),
    stderr: (sb) => [new RegExp(`${esc(join(sb.acme, 'profiles/developers/atmos.yaml'))}:\\d+:\\d+: identity 'plat-dev/terraform' has unsupported kind 'aws/permision-set' \\(did you mean 'aws/permission-set'\\?\\)`)],
  },
  {
    name: '`via` cycle: the chain is printed',
    edit: (sb) => appendFileSync(join(sb.acme, 'profiles/developers/atmos.yaml'),
      '    loop-a:\n      kind: aws/assume-role\n      via:\n        identity: loop-b\n      principal:\n        assume_role: arn:aws:iam::200000000001:role/a\n' +
      '    loop-b:\n      kind: aws/assume-role\n      via:\n        identity: loop-a\n      principal:\n        assume_role: arn:aws:iam::200000000001:role/b\n'),
    args: ['export', '--identity', 'loop-a'],
    stderr: (sb) => [new RegExp(`${esc(join(sb.acme, 'profiles/developers/atmos.yaml'))}:\\d+:\\d+: identity chain cycle: loop-a -> loop-b -> loop-a`)],
  },
  {
    name: 'provider without start_url',
    edit: (sb) => editFile(join(sb.acme, 'atmos.yaml'), (s) => s.replace(/ *start_url:.*\n/, '')),
    stderr: (sb) => [new RegExp(`${esc(join(sb.acme, 'atmos.yaml'))}:\\d+:\\d+: provider 'acme-sso' \\(aws/iam-identity-center\\) needs start_url`)],
  },
  {
    name: 'provider without region',
    edit: (sb) => editFile(join(sb.acme, 'atmos.yaml'), (s) => s.replace(/ *region: us-east-1\n/, '')),
    stderr: (sb) => [new RegExp(`${esc(join(sb.acme, 'atmos.yaml'))}:\\d+:\\d+: provider 'acme-sso' \\(aws/iam-identity-center\\) needs region`)],
  },
];

for (const row of configRows) {
  test(`config: ${row.name}`, async () => {
    const sb = await warmSandbox(fake);
    try {
      row.edit(sb);
      const before = snapshot(sb);
      fake.clearLog();
      // Login allowed (BROWSER is set): a configuration error must stop everything before the network.
      const r = await cli(sb, row.args ?? ['export']);
      assert.is(r.code, 1, r.stderr);
      assert.is(r.stdout, '');
      assert.not.match(r.stderr, /internal error/);
      assert.is(r.stderr.trim().split('\n').filter((l) => l.startsWith('atmos-auth:')).length, 1, r.stderr);
      for (const re of row.stderr(sb)) assert.match(r.stderr, re);
      assert.equal(changedPaths(before, snapshot(sb)), [], 'caches unchanged');
      assert.is(fake.requests().length, 0, 'no network call');
    } finally {
      sb.cleanup();
    }
  });
}

// ---- a clock far from the token's issue time ----

/** Rewrites the SSO token's expiry (botocore's format) and, when asked, makes it unrefreshable. */
function setTokenExpiry(f: string, at: number, refreshable = true): void {
  const o = JSON.parse(readFileSync(f, 'utf8')) as Record<string, unknown>;
  o.expiresAt = new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z');
  if (!refreshable) delete o.refreshToken;
  writeFileSync(f, JSON.stringify(o));
}

test('clock: a token expiring years from now is not trusted: refreshed once, saved with a sane expiry', async () => {
  const sb = await warmSandbox(fake);
  try {
    const fs = files(sb);
    rmSync(fs.credentials());
    rmSync(fs.atmosSso(), { recursive: true, force: true }); // about the AWS CLI file alone
    setTokenExpiry(fs.ssoToken(), Date.now() + 5 * YEAR_MS);
    fake.clearLog();
    const r = await cli(sb, ['export', '--no-login']);
    assert.is(r.code, 0, r.stderr);
    assert.is(fake.count('CreateToken'), 1, 'one refresh');
    assert.is(fake.count('Authorize'), 0);
    const exp = Date.parse(String(jsonField(fs.ssoToken(), 'expiresAt')));
    assert.ok(exp < Date.now() + 86400_000, `saved expiry is sane: ${new Date(exp).toISOString()}`);
  } finally {
    sb.cleanup();
  }
});

test('clock: an unrefreshable token expiring years from now: no login from the hook, the error names the file and the clock', async () => {
  const sb = await warmSandbox(fake);
  try {
    const fs = files(sb);
    rmSync(fs.credentials());
    rmSync(fs.atmosSso(), { recursive: true, force: true }); // about the AWS CLI file alone
    setTokenExpiry(fs.ssoToken(), Date.now() + 5 * YEAR_MS, false);
    const before = snapshot(sb);
    fake.clearLog();
    const r = await cli(sb, ['export', '--no-login']);
    assert.is(r.code, 1, r.stderr);
    assert.is(r.stdout, '');
    assert.match(r.stderr, /atmos-auth login/);
    assert.match(r.stderr, new RegExp(esc(fs.ssoToken())));
    assert.match(r.stderr, /clock/);
    assert.equal(changedPaths(before, snapshot(sb)), []);
    assert.is(fake.count('GetRoleCredentials'), 0, 'the implausible token was not used');
  } finally {
    sb.cleanup();
  }
});

test('clock: a token that expired years ago is refreshed (registration still valid)', async () => {
  const sb = await warmSandbox(fake);
  try {
    const fs = files(sb);
    rmSync(fs.credentials());
    rmSync(fs.atmosSso(), { recursive: true, force: true }); // about the AWS CLI file alone
    setTokenExpiry(fs.ssoToken(), Date.now() - 5 * YEAR_MS);
    fake.clearLog();
    const r = await cli(sb, ['export', '--no-login']);
    assert.is(r.code, 0, r.stderr);
    assert.is(fake.count('CreateToken'), 1);
    assert.is(fake.count('Authorize'), 0);
  } finally {
    sb.cleanup();
  }
});

test('clock: cached credentials "valid" for years are fetched again and replaced', async () => {
  const sb = await warmSandbox(fake);
  try {
    const fs = files(sb);
    const f = fs.credentials();
    editFile(f, (s) => {
      const o = JSON.parse(s) as { credentials: Record<string, unknown> };
      o.credentials.expiration = new Date(Date.now() + 5 * YEAR_MS).toISOString();
      return JSON.stringify(o);
    });
    fake.clearLog();
    const r = await cli(sb, ['export', '--no-login']);
    assert.is(r.code, 0, r.stderr);
    assert.is(fake.count('GetRoleCredentials'), 1);
    const exp = Date.parse(String((jsonField(f, 'credentials') as Record<string, unknown>).expiration));
    assert.ok(exp < Date.now() + 86400_000, 'saved expiry is sane');
  } finally {
    sb.cleanup();
  }
});

test('SSO token file truncated, login allowed: one browser login, the file replaced by a valid token', async () => {
  const sb = await warmSandbox(fake);
  try {
    const fs = files(sb);
    rmSync(fs.credentials());
    rmSync(fs.atmosSso(), { recursive: true, force: true }); // about the AWS CLI file alone
    const f = fs.ssoToken();
    corrupt(sb, 'ssoToken', f, 'truncated');
    fake.clearLog();
    const r = await cli(sb, ['export']);
    assert.is(r.code, 0, r.stderr);
    assert.is(fake.count('Authorize'), 1);
    assert.ok(validPrivateJson(f));
    assert.ok(jsonField(f, 'accessToken'));
  } finally {
    sb.cleanup();
  }
});

test.run();
