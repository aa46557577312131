// Real interactive zsh, bash and fish driven through tmux (a private server per session), with the
// hook loaded from the user's rc file beside other prompt tools, against the counting fake CLI:
// enter, switch, leave and restore; the prompt segment; `$?` and other precmd/PROMPT_COMMAND
// entries intact; the user's `set -u`/`set -e`; zero CLI starts on repeated prompts and outside.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fakeFailure, fakeRepo, hookFile, TmuxShell } from '../helpers/shells.ts';
import type { HookShell } from '../../src/shell/scripts.ts';

const quoted = `it's "quoted" $(x) \`y\``;

interface Session { tmux: TmuxShell; r: ReturnType<typeof fakeRepo>; }

/** Starts `shell` interactively with an rc file holding `rcLines` then the hook. */
async function startShell(shell: HookShell, rcLines: string[], opts: { failProd?: boolean } = {}): Promise<Session> {
  const r = fakeRepo();
  if (opts.failProd) fakeFailure(r.prod, 4, 'atmos-auth: prod failed on purpose\n');
  const hook = hookFile(r.base, shell, ['atmos-auth-not-used']);
  const env: NodeJS.ProcessEnv = { ...r.env, AWS_PROFILE: quoted, SHELL: shell };
  const tmux = new TmuxShell(shell);
  let argv: string[];
  if (shell === 'zsh') {
    const zdot = join(r.base, 'zdot');
    mkdirSync(zdot);
    writeFileSync(join(zdot, '.zshrc'), [...rcLines, `source '${hook}'`, ''].join('\n'));
    env.ZDOTDIR = zdot;
    argv = ['zsh', '-i'];
  } else if (shell === 'bash') {
    const rc = join(r.base, 'bashrc');
    writeFileSync(rc, [...rcLines, `source '${hook}'`, ''].join('\n'));
    argv = ['bash', '--noprofile', '--rcfile', rc, '-i'];
  } else {
    const conf = join(r.base, 'config', 'fish');
    mkdirSync(conf, { recursive: true });
    writeFileSync(join(conf, 'config.fish'), [...rcLines, `source '${hook}'`, ''].join('\n'));
    env.XDG_CONFIG_HOME = join(r.base, 'config');
    argv = ['fish', '-i'];
  }
  tmux.start(argv, env, r.outside);
  await tmux.waitFor(/READY> /);
  return { tmux, r };
}

const rc: Record<HookShell, string[]> = {
  zsh: [
    'setopt nounset',
    "PROMPT='[%?] READY> '",
    'user_precmd() { USER_PRECMD=$(( ${USER_PRECMD:-0} + 1 )); }',
    'precmd_functions+=(user_precmd)',
  ],
  bash: [
    'set -u',
    "PS1='[$?] READY> '",
    'PROMPT_COMMAND=\'USER_PC_SAW=$?; USER_PC=$(( ${USER_PC:-0} + 1 ))\'',
  ],
  fish: [
    "function fish_prompt; printf '[%s] READY> ' $status; end",
    'function user_prompt --on-event fish_prompt; set -g USER_PRECMD (math $USER_PRECMD + 1); end',
    'set -g USER_PRECMD 0',
  ],
};

const echoVar = (shell: HookShell, v: string) => (shell === 'fish' ? `printf '%s\\n' "$${v}"` : `printf '%s\\n' "\${${v}-UNSET}"`);

for (const shell of ['zsh', 'bash', 'fish'] as const) {
  test(`${shell} (interactive, tmux): enter, switch, leave; prompt; $? and other prompt hooks intact; zero starts when idle`, async () => {
    const { tmux, r } = await startShell(shell, rc[shell]);
    try {
      for (let i = 0; i < 3; i++) tmux.send('');
      await tmux.run(`cd ${r.base}; cd /; cd ${r.outside}`);
      for (let i = 0; i < 3; i++) tmux.send('true');
      await tmux.run('true');
      assert.equal(r.starts(), [], 'no CLI start outside any Atmos repository');

      tmux.send(`cd ${r.dev}`);
      assert.is(await tmux.run(echoVar(shell, 'ATMOS_AUTH_IDENTITY')), 'plat-dev/terraform\n');
      assert.match(await tmux.run('atmos_auth_prompt; echo'), /^plat-dev\/terraform \(apply\) 4[12]m\n$/);
      const before = r.starts().length;
      for (let i = 0; i < 5; i++) tmux.send('');
      await tmux.run('true');
      assert.is(r.starts().length, before, 'repeated prompts start nothing');
      assert.is(before, 1);

      // $? reaches the prompt (and, in bash, the user's PROMPT_COMMAND after ours).
      tmux.send(shell === 'fish' ? 'false' : '(exit 3)');
      await tmux.waitFor(shell === 'fish' ? /\[1\] READY> $/m : /\[3\] READY> $/m);
      if (shell === 'bash') assert.is(await tmux.run('echo $USER_PC_SAW'), '3\n');
      // The other tool's precmd kept running at every prompt.
      assert.match(await tmux.run(echoVar(shell, shell === 'bash' ? 'USER_PC' : 'USER_PRECMD')), /^([5-9]|\d\d+)\n$/);

      tmux.send(`cd ${r.prod}`);
      assert.is(await tmux.run(echoVar(shell, 'ATMOS_AUTH_ACCESS')), 'plan\n');
      tmux.send(`cd ${r.outside}`);
      assert.is(await tmux.run(echoVar(shell, 'AWS_PROFILE')), `${quoted}\n`);
      assert.is(await tmux.run(shell === 'fish' ? 'set -q AWS_ACCESS_KEY_ID; or echo none' : 'echo ${AWS_ACCESS_KEY_ID-none}'), 'none\n');
      assert.is(r.starts().length, 2);
    } finally {
      tmux.kill();
    }
  });
}

for (const shell of ['zsh', 'bash'] as const) {
  test(`${shell} (interactive, tmux): user's errexit + an array/extra prompt hook; a failing export leaves the shell alive and unchanged`, async () => {
    const lines = shell === 'zsh'
      ? ['setopt errexit nounset', "PROMPT='READY> '"]
      : ['set -eu', "PS1='READY> '", "PROMPT_COMMAND=('USER_PC=1')"];
    const { tmux, r } = await startShell(shell, lines, { failProd: true });
    try {
      tmux.send(`cd ${r.prod}`);
      await tmux.waitFor(/prod failed on purpose/);
      assert.is(await tmux.run(echoVar(shell, 'AWS_PROFILE')), `${quoted}\n`);
      tmux.send(`cd ${r.dev}`);
      assert.is(await tmux.run(echoVar(shell, 'ATMOS_AUTH_IDENTITY')), 'plat-dev/terraform\n');
      if (shell === 'bash') assert.is(await tmux.run('echo "${PROMPT_COMMAND[0]} ${USER_PC-}"'), '__atmos_auth_prompt_command 1\n');
      assert.is(await tmux.run(shell === 'zsh' ? '[[ -o errexit ]] && echo still-errexit' : '[[ $- == *e* ]] && echo still-errexit'), 'still-errexit\n');
    } finally {
      tmux.kill();
    }
  });
}

for (const shell of ['zsh', 'bash', 'fish'] as const) {
  test(`${shell} (interactive, tmux): Ctrl-C during a slow login leaves the environment as it was, and is not retried`, async () => {
    const { tmux, r } = await startShell(shell, [shell === 'fish' ? "function fish_prompt; printf 'READY> '; end" : shell === 'zsh' ? "PROMPT='READY> '" : "PS1='READY> '"]);
    try {
      writeFileSync(join(r.dev, '.fake', 'slow'), '');
      tmux.send(`cd ${r.dev}`);
      await tmux.waitFor(/logging in to plat-dev\/terraform/);
      tmux.key('C-c');
      assert.is(await tmux.run(echoVar(shell, 'AWS_PROFILE')), `${quoted}\n`);
      assert.is(await tmux.run(shell === 'fish' ? 'set -q ATMOS_AUTH_IDENTITY; or echo none' : 'echo ${ATMOS_AUTH_IDENTITY-none}'), 'none\n');
      tmux.send(`cd ${r.prod}`);
      assert.is(await tmux.run(echoVar(shell, 'ATMOS_AUTH_IDENTITY')), 'plat-prod/terraform\n');
      assert.equal(r.starts().map((s) => s.includes('--no-login')), [false, true], 'the interrupted repository is not logged into again by the hook');
    } finally {
      tmux.kill();
    }
  });
}

test.run();
