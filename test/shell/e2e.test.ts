// End to end in real interactive shells: the built CLI, the AWS emulator (browser step done by
// test/fake-aws/browser.sh), a copy of examples/acme with ATMOS_PROFILE=developers, a temporary
// HOME. zsh, bash and fish each cd into plat/dev (apply), switch to plat/prod (plan-only), leave
// (environment restored), with the CLI's starts counted through a wrapper on ATMOS_AUTH_BIN; and
// direnv's `use atmos` with the same CLI.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFakeAws } from '../fake-aws/server.ts';
import { CLI, sandbox } from '../e2e/helpers.ts';
import { hookFile, TmuxShell } from '../helpers/shells.ts';
import { direnvScript, type HookShell } from '../../src/shell/scripts.ts';

const fake = await startFakeAws();
const sb = sandbox(fake);
const count = join(sb.dir, 'starts');
writeFileSync(count, '');
const wrapper = join(sb.dir, 'bin', 'atmos-auth');
mkdirSync(join(sb.dir, 'bin'));
writeFileSync(wrapper, `#!/bin/sh\nprintf '%s\\n' "$*" >> '${count}'\nexec '${process.execPath}' '${CLI}' "$@"\n`);
chmodSync(wrapper, 0o755);
const starts = () => readFileSync(count, 'utf8').split('\n').filter(Boolean).length;
const outside = join(sb.dir, 'elsewhere');
mkdirSync(outside);

test.after(async () => {
  await fake.close();
  sb.cleanup();
});

const prompts: Record<HookShell, string> = {
  zsh: "PROMPT='READY> '",
  bash: "PS1='READY> '",
  fish: "function fish_prompt; printf 'READY> '; end",
};

async function session(shell: HookShell): Promise<TmuxShell> {
  const hook = hookFile(sb.dir, shell, [process.execPath, CLI]);
  const env: NodeJS.ProcessEnv = { ...sb.env, ATMOS_AUTH_BIN: wrapper, AWS_PROFILE: 'my-own profile', TERM: 'xterm-256color', LANG: 'C.UTF-8' };
  const rcDir = join(sb.dir, `rc-${shell}`);
  mkdirSync(join(rcDir, 'fish'), { recursive: true });
  let argv: string[];
  if (shell === 'zsh') {
    writeFileSync(join(rcDir, '.zshrc'), `${prompts.zsh}\nsource '${hook}'\n`);
    env.ZDOTDIR = rcDir;
    argv = ['zsh', '-i'];
  } else if (shell === 'bash') {
    writeFileSync(join(rcDir, 'bashrc'), `${prompts.bash}\nsource '${hook}'\n`);
    argv = ['bash', '--noprofile', '--rcfile', join(rcDir, 'bashrc'), '-i'];
  } else {
    writeFileSync(join(rcDir, 'fish', 'config.fish'), `${prompts.fish}\nsource '${hook}'\n`);
    env.XDG_CONFIG_HOME = rcDir;
    // A config dir of its own: the repository must be allowed there too.
    spawnSync(process.execPath, [CLI, 'allow', sb.acme], { env });
    argv = ['fish', '-i'];
  }
  const t = new TmuxShell(`e2e-${shell}`);
  t.start(argv, env, outside);
  await t.waitFor(/READY> /);
  return t;
}

const v = (shell: HookShell, name: string) => (shell === 'fish' ? `printf '%s\\n' "$${name}"` : `printf '%s\\n' "\${${name}-UNSET}"`);

for (const shell of ['zsh', 'bash', 'fish'] as const) {
  test(`${shell}: cd into plat/dev logs in (first shell) and applies; prod switches to plan; leaving restores; idle prompts start nothing`, async () => {
    const t = await session(shell);
    try {
      const before = starts();
      t.send(`cd ${sb.stackDir('plat/dev')}`);
      assert.is(await t.run(v(shell, 'ATMOS_AUTH_IDENTITY'), 60_000), 'plat-dev/terraform\n', t.capture());
      assert.match(await t.run(v(shell, 'AWS_ACCESS_KEY_ID')), /^ASIA\w+\n$/);
      assert.is(await t.run(v(shell, 'ATMOS_AUTH_ACCESS')), 'apply\n');
      assert.is(await t.run(shell === 'fish' ? 'set -q AWS_PROFILE; or echo gone' : 'echo ${AWS_PROFILE-gone}'), 'gone\n');
      assert.match(await t.run('atmos_auth_prompt; echo'), /^plat-dev\/terraform \(apply\) \d+[hm]/);
      const who = await t.run(`'${process.execPath}' '${CLI}' whoami --json`, 30_000);
      assert.match(who, /TerraformApplyAccess/);
      assert.is(starts(), before + 1);

      for (let i = 0; i < 5; i++) t.send('');
      await t.run('true');
      assert.is(starts(), before + 1, 'repeated prompts: zero CLI starts');

      t.send(`cd ${sb.stackDir('plat/prod')}`);
      assert.is(await t.run(v(shell, 'ATMOS_AUTH_ACCESS'), 30_000), 'plan\n');
      assert.match(await t.run(v(shell, 'ATMOS_AUTH_IDENTITY')), /^plat-prod\//);

      t.send(`cd ${outside}`);
      assert.is(await t.run(v(shell, 'AWS_PROFILE')), 'my-own profile\n');
      assert.is(await t.run(shell === 'fish' ? 'set -q AWS_ACCESS_KEY_ID; or echo none' : 'echo ${AWS_ACCESS_KEY_ID-none}'), 'none\n');
      const n = starts();
      t.send('cd /');
      t.send(`cd ${outside}`);
      for (let i = 0; i < 3; i++) t.send('');
      await t.run('true');
      assert.is(starts(), n, 'cd outside Atmos repositories: zero CLI starts');
      assert.is(n, before + 2);
    } finally {
      t.kill();
    }
  });
}

test('direnv: `use atmos` applies the identity, watches config and the credentials entry; a failure changes nothing', () => {
  const lib = join(sb.env.XDG_CONFIG_HOME!, 'direnv', 'lib');
  mkdirSync(lib, { recursive: true });
  writeFileSync(join(lib, 'use_atmos.sh'), direnvScript([process.execPath, CLI]));
  const dev = sb.stackDir('plat/dev');
  writeFileSync(join(dev, '.envrc'), 'use atmos\n');
  const env = { ...sb.env };
  const direnv = (args: string[], cwd: string) => spawnSync('direnv', args, { cwd, env, encoding: 'utf8', timeout: 60_000 });
  assert.is(direnv(['allow', '.'], dev).status, 0);
  const r = direnv(['export', 'json'], dev);
  assert.is(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as Record<string, string | null>;
  assert.is(out.ATMOS_AUTH_IDENTITY, 'plat-dev/terraform');
  assert.match(out.AWS_ACCESS_KEY_ID ?? '', /^ASIA/);
  const watches = spawnSync(process.execPath, [CLI, 'direnv', '--watch-files'], { cwd: dev, env, encoding: 'utf8' });
  assert.is(watches.status, 0, watches.stderr);
  for (const f of ['atmos.yaml', 'profiles/developers/atmos.yaml', 'stacks/orgs/acme/plat/dev/us-east-2.yaml']) assert.ok(watches.stdout.includes(`'${join(sb.acme, f)}'`), f);
  assert.match(watches.stdout, /credentials\/[0-9a-f]{40}\.json'/);

  // A broken config: the error is shown, nothing of ours is set.
  const yaml = join(sb.acme, 'atmos.yaml');
  writeFileSync(yaml, `${readFileSync(yaml, 'utf8')}\n  bad: [indent\n`);
  const bad = direnv(['export', 'json'], dev);
  assert.match(bad.stderr, /atmos-auth|use atmos/);
  const badOut = bad.stdout.trim() ? (JSON.parse(bad.stdout) as Record<string, string | null>) : {};
  assert.not.ok(badOut.AWS_ACCESS_KEY_ID, 'no credentials from a failed export');
});

test.run();
