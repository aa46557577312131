// shellcheck is clean for every bash script users load: the sources in shell/ and what
// `atmos-auth hook bash` and `atmos-auth direnv` print (with their placeholders filled in).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { direnvScript, hookScript } from '../../src/shell/scripts.ts';
import { root, tempDir } from '../helpers/shells.ts';

const dir = tempDir();

function shellcheck(files: string[]) {
  return spawnSync('shellcheck', ['-s', 'bash', ...files], { encoding: 'utf8', cwd: root });
}

test('shellcheck -s bash shell/*.bash shell/*.sh', () => {
  const r = shellcheck(['shell/atmos-auth.bash', 'shell/prompt.bash', 'shell/use_atmos.sh']);
  assert.is(r.stdout + r.stderr, '');
  assert.is(r.status, 0);
});

test('shellcheck on the generated hook and direnv library', () => {
  const hook = join(dir, 'hook.bash');
  const lib = join(dir, 'use_atmos.sh');
  writeFileSync(hook, hookScript('bash', ['/opt/node with space/bin/node', "/it's/atmos-auth.mjs"]));
  writeFileSync(lib, direnvScript(['/usr/bin/node', '/x/atmos-auth.mjs']));
  const r = shellcheck([hook, lib]);
  assert.is(r.stdout + r.stderr, '');
  assert.is(r.status, 0);
});

test('zsh -n and fish -n accept the generated hooks', () => {
  for (const [shell, argv] of [['zsh', ['-n']], ['fish', ['-n']]] as const) {
    const f = join(dir, `hook.${shell}`);
    writeFileSync(f, hookScript(shell, ['/opt/node with space/bin/node', "/it's/atmos-auth.mjs"]));
    const r = spawnSync(shell, [...argv, f], { encoding: 'utf8' });
    assert.is(r.stderr, '', shell);
    assert.is(r.status, 0, shell);
  }
});

test.run();
