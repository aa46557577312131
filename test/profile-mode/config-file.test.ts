// The generated AWS config file on its own: quoting of credential_process read identically by
// botocore (shlex.split) and the JS SDK (/bin/sh -c), hostile identity names and paths that cannot
// inject a line or a command, refused paths, the user's sections carried over.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadSharedConfigFiles } from '@smithy/core/config';
import { ROOT } from '../e2e/helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'atmos-auth-pm-unit-'));
process.env.XDG_CONFIG_HOME = join(dir, 'config');
const m = await import('../../src/credentials/aws-config-file.ts');
const PARSE = join(ROOT, 'test/profile-mode/py/parse_config.py');

test.after(() => rmSync(dir, { recursive: true, force: true }));

type Botocore = Record<string, { settings: Record<string, string>; argv: string[] | null }>;
function botocore(file: string): Botocore {
  const r = spawnSync('python3', [PARSE, file], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Botocore;
}

/** How the JS SDK's credential_process runs the line: /bin/sh -c, here with printf in front. */
function shWords(line: string, cwd: string): string[] {
  const r = spawnSync('/bin/sh', ['-c', `printf '%s\\0' ${line}`], { encoding: 'utf8', cwd });
  assert.is(r.status, 0, r.stderr);
  return r.stdout.split('\0').slice(0, -1);
}

/** The JS SDK's view: profile name (no `profile ` prefix) -> settings. */
async function jsSdk(file: string): Promise<Record<string, Record<string, string | undefined>>> {
  const { configFile } = await loadSharedConfigFiles({ configFilepath: file, filepath: join(dir, 'no-credentials') });
  return configFile as Record<string, Record<string, string | undefined>>;
}

const hostilePaths = [
  '/opt/my node/bin/node',
  "/tmp/it's/node",
  '/tmp/$(touch PWNED)/node',
  '/tmp/`touch PWNED`/node',
  '/tmp/a"b\\c/x.mjs',
  '/tmp/ünïcödé/x.mjs',
  '/tmp/glob*?[a]/x.mjs',
  '/tmp/semi;colon#hash/x.mjs',
  "/tmp/'; touch PWNED; '/x",
];

test('credential_process: botocore, /bin/sh and the JS SDK read the same words from hostile paths', async () => {
  const work = join(dir, 'work');
  mkdirSync(work, { recursive: true });
  const target = m.encodeTarget({ identity: 'plat-dev/terraform', profiles: ['developers'], root: '/r', region: 'us-east-2' });
  let cfg = '';
  const expected: string[][] = [];
  hostilePaths.forEach((p, i) => {
    const cmd = [p, `${p}/atmos-auth.mjs`];
    const line = m.credentialProcessLine(cmd, target);
    const words = [...cmd, 'credential-process', '--target', target];
    assert.equal(shWords(line, work), words, line);
    cfg += `[profile p${i}]\ncredential_process = ${line}\n`;
    expected.push(words);
  });
  const file = join(dir, 'quoting-config');
  writeFileSync(file, cfg);
  const b = botocore(file);
  const js = await jsSdk(file);
  hostilePaths.forEach((_, i) => {
    assert.equal(b[`p${i}`]?.argv, expected[i], `botocore p${i}`);
    // The JS SDK hands the value to /bin/sh unchanged: the same text botocore split.
    const line = m.credentialProcessLine(expected[i]!.slice(0, 2), target);
    assert.is(js[`p${i}`]?.credential_process, line, `JS SDK p${i}`);
  });
  assert.not.ok(existsSync(join(work, 'PWNED')), 'nothing was executed while parsing');
});

test('credential_process: paths no INI reader keeps intact are refused, not written', () => {
  const t = m.encodeTarget({ identity: 'x', profiles: [], root: '/r', region: null });
  for (const bad of ['/tmp/new\nline/node', '/tmp/cr\rnode', '/tmp/a #comment/node', '/tmp/a ;comment/node', 'relative/node', '/tmp/nul\0/node', '/tmp/ls\u2028/node']) {
    assert.throws(() => m.credentialProcessLine([bad, '/x.mjs'], t), (e: Error) => e instanceof m.ProfileModeError, JSON.stringify(bad));
  }
});

const hostileIdentities = [
  'x]\n[profile evil]\ncredential_process = touch /tmp/atmos-auth-pwned',
  'a #b ;c',
  "'; rm -rf ~ #",
  '$(id)`id`${HOME}',
  'line\u2028sep\u0085nel\r\nwin',
  'tab\there [brackets] = equals',
  '../../etc/passwd',
  'Plat-Dev/Terraform',
  'plat-dev/terraform',
  '身份/管理员',
  'x'.repeat(300),
];

test('hostile identity names, profiles and roots: one well-formed profile each, nothing injected', async () => {
  const entries = hostileIdentities.map((identity, i) => ({
    identity,
    profiles: i % 2 ? ['dev\nelopers', 'a #b'] : [],
    root: i % 3 ? `/tmp/repo ${i}\n[profile evil2]` : `/tmp/repo-${i}`,
    region: i === 1 ? 'us-east-2\n[profile evil3]' : 'us-west-2',
  }));
  const cmd = ['/usr/bin/node', "/opt/atmos auth/it's/atmos-auth.mjs"];
  const text = m.renderConfig({ path: '/home/u/.aws/config', fromEnv: false }, '[profile mine]\nregion = eu-west-1\n', entries, cmd);
  const file = join(dir, 'hostile-config');
  writeFileSync(file, text);
  const b = botocore(file);
  const js = await jsSdk(file);
  const names = entries.map((e) => m.profileNameFor(e));
  assert.is(new Set(names).size, entries.length, 'distinct names (case and sanitizing collisions are told apart by the hash)');
  assert.equal(Object.keys(b).sort(), ['mine', ...names].sort());
  assert.equal(Object.keys(js).sort(), ['mine', ...names].sort());
  entries.forEach((e, i) => {
    const name = names[i]!;
    assert.ok(m.isGeneratedProfileName(name), name);
    const p = b[name]!;
    assert.equal(Object.keys(p.settings).sort(), e.region.includes('\n') ? ['credential_process'] : ['credential_process', 'region']);
    const argv = p.argv!;
    assert.equal(argv.slice(0, 4), [...cmd, 'credential-process', '--target']);
    assert.is(argv.length, 5);
    assert.equal(m.decodeTarget(argv[4]!), { identity: e.identity, profiles: e.profiles, root: e.root, region: e.region });
    assert.is(js[name]?.credential_process, p.settings.credential_process);
  });
  assert.not.ok(text.includes('\n[profile evil'), 'no injected section header');
  // The records after the copy read back as the same targets.
  assert.equal(m.parseEntries(text).map((e) => e.identity).sort(), [...hostileIdentities].sort());
});

test('--target is opaque base64url and round-trips; garbage is refused', () => {
  const t = { identity: 'a b\n"c"', profiles: ['p1', 'p2'], root: '/x y', region: null, cliConfigPath: '/c', basePath: '/b' };
  const w = m.encodeTarget(t);
  assert.match(w, /^[A-Za-z0-9_-]+$/);
  assert.equal(m.decodeTarget(w), t);
  for (const bad of ['', 'not base64!', Buffer.from('{"v":2}').toString('base64url'), Buffer.from('[]').toString('base64url')]) {
    assert.throws(() => m.decodeTarget(bad));
  }
});

test('carry-over: the user\'s sections verbatim (sub-sections, sso-session, services); a colliding section is dropped', () => {
  const e = { identity: 'plat-dev/terraform', profiles: ['developers'], root: '/r', region: 'us-east-2' };
  const ours = m.profileNameFor(e);
  const user = [
    '[default]', 'region = us-east-1', 's3 =', '  max_concurrent_requests = 10', '',
    '[sso-session acme]', 'sso_start_url = https://acme.awsapps.com/start/', 'sso_region = us-east-1', '',
    `[profile ${ours}]`, 'credential_process = /bin/false', '',
    '[services local]', 'sts =', '  endpoint_url = http://127.0.0.1:1', '',
    '[profile mine]', 'credential_process = /bin/echo', 'region = eu-west-1',
  ].join('\n');
  const text = m.renderConfig({ path: '/u', fromEnv: true }, user, [e], ['/usr/bin/node', '/x.mjs']);
  const file = join(dir, 'carry-config');
  writeFileSync(file, text);
  const b = botocore(file);
  assert.equal(Object.keys(b).sort(), ['default', 'mine', ours].sort());
  assert.is(b.default!.settings.region, 'us-east-1');
  assert.is(b.mine!.settings.region, 'eu-west-1');
  assert.equal(b[ours]!.argv!.slice(0, 3), ['/usr/bin/node', '/x.mjs', 'credential-process']);
  assert.ok(text.includes('[sso-session acme]\nsso_start_url = https://acme.awsapps.com/start/'));
  assert.ok(text.includes('s3 =\n  max_concurrent_requests = 10'));
  assert.not.ok(text.includes('/bin/false'));
});

test('generated file paths: the default config -> aws-config; another AWS_CONFIG_FILE -> its own file; ours is seen through', () => {
  const def = m.configSource({ HOME: process.env.HOME });
  assert.is(def.fromEnv, false);
  assert.is(m.generatedPathFor(def), join(dir, 'config/atmos-auth/aws-config'));
  const other = m.configSource({ AWS_CONFIG_FILE: '/work/other-config' });
  assert.equal(other, { path: '/work/other-config', fromEnv: true });
  assert.match(m.generatedPathFor(other), /\/config\/atmos-auth\/aws-config-[0-9a-f]{10}$/);
  assert.ok(m.isGeneratedConfig(m.generatedPathFor(other)));
  assert.not.ok(m.isGeneratedConfig('/home/u/.aws/config'));
});

test.run();
