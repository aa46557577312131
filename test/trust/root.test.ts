// The hook's trust check finds the repository root without opening a file (src/atmos/config-root.ts);
// discoverConfig, which reads the files, must report the same root in every layout Atmos's
// discovery knows (pkg/config/load.go loadConfigSources): nearest parent, git root over a nearer
// parent, the directory's own config, ATMOS_CLI_CONFIG_PATH (a directory or a file), a directory
// with only atmos.d/ (local config: no parent search), ~/.atmos as the directory, git root search
// switched off, no config at all.
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { findConfigRoot } from '../../src/atmos/config-root.ts';
import { discoverConfig } from '../../src/atmos/config.ts';
import { Reader } from '../../src/atmos/reader.ts';

const base = realpathSync(mkdtempSync(join(tmpdir(), 'atmos-auth-root-')));
const home = join(base, 'home');
mkdirSync(home);

test.after(() => rmSync(base, { recursive: true, force: true }));

function file(rel: string, text = 'stacks:\n  base_path: stacks\n'): void {
  const p = join(base, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, text);
}
function dir(rel: string): string {
  const p = join(base, rel);
  mkdirSync(p, { recursive: true });
  return p;
}

/** Both answers for `cwd`, asserted equal, and the answer. */
function rootOf(cwd: string, extra: Record<string, string> = {}): string | null {
  const env: NodeJS.ProcessEnv = { HOME: home, ...extra };
  const found = findConfigRoot(cwd, env);
  const discovered = discoverConfig(new Reader(cwd, env)).root;
  assert.is(found, discovered, `${cwd}: the existence check and discoverConfig agree`);
  return found;
}

test('nearest parent holding atmos.yaml', () => {
  file('a/atmos.yaml');
  assert.is(rootOf(dir('a/stacks/orgs/x')), join(base, 'a'));
});

test('the directory\'s own config wins over its parent', () => {
  file('a/sub/.atmos.yaml');
  assert.is(rootOf(dir('a/sub')), join(base, 'a/sub'));
});

test('git root with atmos.yaml over a nearer parent (later priority)', () => {
  dir('g/.git');
  file('g/atmos.yaml');
  file('g/inner/atmos.yml');
  assert.is(rootOf(dir('g/inner/deep')), join(base, 'g'));
  assert.is(rootOf(dir('g/inner/deep'), { ATMOS_GIT_ROOT_BASEPATH: 'false' }), join(base, 'g/inner'), 'git root search off');
});

test('ATMOS_CLI_CONFIG_PATH, a directory or a file, overrides discovery', () => {
  file('elsewhere/atmos.yaml');
  assert.is(rootOf(dir('a/stacks'), { ATMOS_CLI_CONFIG_PATH: join(base, 'elsewhere') }), join(base, 'elsewhere'));
  assert.is(rootOf(dir('a/stacks'), { ATMOS_CLI_CONFIG_PATH: join(base, 'elsewhere/atmos.yaml') }), join(base, 'elsewhere'));
  assert.is(rootOf(dir('a/stacks'), { ATMOS_CLI_CONFIG_PATH: join(base, 'nothing-here') }), null, 'no config there, no parent search');
});

test('a directory with only atmos.d/ is local config: no parent search, no root', () => {
  dir('a/frag/atmos.d');
  file('a/frag/atmos.d/x.yaml');
  assert.is(rootOf(join(base, 'a/frag')), null);
});

test('~/.atmos is not a project root, even as the current directory', () => {
  file('home/.atmos/atmos.yaml');
  assert.is(rootOf(join(home, '.atmos')), null);
  assert.is(rootOf(dir('home/.atmos/sub')), null);
});

test('no config anywhere', () => {
  assert.is(rootOf(dir('plain/dir')), null);
});

test.run();
