// install.sh: no sudo, idempotent, the hook line only with --shell, --uninstall removes exactly
// what it added. Runs against a temporary HOME; ATMOS_AUTH_NODE points at this Node so the test
// does not download one.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const home = mkdtempSync(join(tmpdir(), 'atmos-auth-install-'));
// The machine's way to the npm registry (CA bundle, proxy, npm settings) is kept: when install.sh
// has to run `npm ci`, a failure half-way would leave the checkout without node_modules.
const network = Object.fromEntries(Object.entries(process.env).filter(([k]) =>
  /^(NODE_EXTRA_CA_CERTS|SSL_CERT_FILE|SSL_CERT_DIR|(HTTPS?|NO)_PROXY|(https?|no)_proxy)$/.test(k) || /^npm_config_/i.test(k)));
const env = {
  ...network,
  PATH: `${join(home, '.local/bin')}:${process.env.PATH ?? ''}`,
  HOME: home,
  ATMOS_AUTH_NODE: process.execPath,
  TERM: 'dumb',
};
const install = (...args: string[]) => spawnSync('sh', [join(root, 'install.sh'), ...args], { env, encoding: 'utf8', timeout: 180_000 });
const zshrc = join(home, '.zshrc');
const userLines = '# my own zshrc\nexport EDITOR=vim\n';

test('install puts a working atmos-auth on PATH and the direnv library in place', () => {
  writeFileSync(zshrc, userLines);
  const r = install();
  assert.is(r.status, 0, r.stderr + r.stdout);
  const bin = join(home, '.local/bin/atmos-auth');
  assert.ok(lstatSync(bin).isSymbolicLink());
  const v = spawnSync(bin, ['--version'], { env, encoding: 'utf8' });
  assert.is(v.status, 0, v.stderr);
  assert.match(v.stdout, /^\d+\.\d+\.\d+/);
  // The docker credential helper is the same program under its protocol's name.
  const helper = spawnSync(join(home, '.local/bin/docker-credential-atmos-auth'), ['list'], { env: { ...env, DOCKER_CONFIG: join(home, 'no-docker') }, encoding: 'utf8' });
  assert.is(helper.status, 0, helper.stderr);
  assert.is(helper.stdout, '{}\n');
  // Runs on the Node it was installed with, not whatever `node` is on PATH.
  assert.ok(readFileSync(join(home, '.local/share/atmos-auth/dist/atmos-auth.mjs'), 'utf8').startsWith(`#!${process.execPath}\n`));
  assert.is(readFileSync(zshrc, 'utf8'), userLines, 'no rc file is touched without --shell');
  assert.match(r.stdout, /eval "\$\(atmos-auth hook zsh\)"/, 'the hook line is printed instead');
  if (spawnSync('sh', ['-c', 'command -v direnv'], { env }).status === 0) {
    const lib = join(home, '.config/direnv/lib/use_atmos.sh');
    assert.ok(existsSync(lib));
    assert.match(readFileSync(lib, 'utf8'), /use_atmos\(\)/);
  }
  const hook = spawnSync(bin, ['hook', 'bash'], { env, encoding: 'utf8' });
  assert.is(hook.status, 0, hook.stderr);
  assert.ok(hook.stdout.length > 100);
});

test('a second run changes nothing; --shell adds the hook line once', () => {
  const again = install();
  assert.is(again.status, 0);
  assert.match(again.stdout, /up to date/);
  const s1 = install('--shell', 'zsh');
  assert.is(s1.status, 0, s1.stderr);
  const s2 = install('--shell', 'zsh');
  assert.is(s2.status, 0, s2.stderr);
  const rc = readFileSync(zshrc, 'utf8');
  assert.ok(rc.startsWith(userLines));
  assert.is(rc.split('atmos-auth hook zsh').length - 1, 1, rc);
  const fish = install('--shell', 'fish');
  assert.is(fish.status, 0);
  assert.match(readFileSync(join(home, '.config/fish/conf.d/atmos-auth.fish'), 'utf8'), /atmos-auth hook fish \| source/);
});

test('--shell installs that shell\'s completion once, and it completes with the installed CLI', () => {
  // zsh: a line sourcing the script (after the hook line), added once over the two runs above.
  const rc = readFileSync(zshrc, 'utf8');
  const zshScript = join(home, '.local/share/atmos-auth/completion.zsh');
  assert.is(rc.split(`source '${zshScript}'`).length - 1, 1, rc);
  assert.ok(rc.indexOf('atmos-auth hook zsh') < rc.indexOf(zshScript));
  assert.match(readFileSync(zshScript, 'utf8'), /compdef _atmos_auth atmos-auth/);
  // fish: its completions directory (the run above).
  assert.match(readFileSync(join(home, '.config/fish/completions/atmos-auth.fish'), 'utf8'), /__complete fish/);
  const b = install('--shell', 'bash');
  assert.is(b.status, 0, b.stderr);
  const bashFile = join(home, '.local/share/bash-completion/completions/atmos-auth');
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', `source '${bashFile}'; COMP_WORDS=(atmos-auth exp); COMP_CWORD=1; _atmos_auth_complete; printf '%s\\n' "\${COMPREPLY[@]}"`], { env, encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout, 'export\n');
  const again = install('--shell', 'bash');
  assert.is(again.status, 0);
  assert.not.match(again.stdout, /installed the bash completion/);
  assert.is(readFileSync(join(home, '.bashrc'), 'utf8').split('atmos-auth hook bash').length - 1, 1);
});

test('--uninstall removes exactly what install added', () => {
  mkdirSync(join(home, '.config/fish/conf.d'), { recursive: true });
  const r = install('--uninstall');
  assert.is(r.status, 0, r.stderr);
  assert.is(readFileSync(zshrc, 'utf8'), userLines);
  assert.not.ok(existsSync(join(home, '.local/bin/atmos-auth')));
  assert.not.ok(existsSync(join(home, '.local/bin/docker-credential-atmos-auth')));
  assert.not.ok(existsSync(join(home, '.local/share/atmos-auth')));
  assert.not.ok(existsSync(join(home, '.config/fish/conf.d/atmos-auth.fish')));
  assert.not.ok(existsSync(join(home, '.config/direnv/lib/use_atmos.sh')));
  assert.not.ok(existsSync(join(home, '.local/share/bash-completion/completions/atmos-auth')));
  assert.not.ok(existsSync(join(home, '.config/fish/completions/atmos-auth.fish')));
  assert.not.ok(existsSync(join(home, '.bashrc')) && readFileSync(join(home, '.bashrc'), 'utf8').includes('atmos-auth'));
  rmSync(home, { recursive: true, force: true });
});

test.run();
