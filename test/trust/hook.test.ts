// The hook in real shells (bash, zsh, fish) with the built CLI and the emulator, in a repository
// that is not allowed: the hint appears once for the repository (not again for another stack of
// it, nor for its root, where no identity applies: the hook does not read the YAML of a repository
// that is not allowed, so it cannot tell), nothing is set, no request reaches the emulator; after `atmos-auth allow` and a refresh the
// identity is applied.
import { spawn } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startFakeAws } from '../fake-aws/server.ts';
import { CLI, sandbox } from '../e2e/helpers.ts';
import { have, hookFile, runShell } from '../helpers/shells.ts';
import type { HookShell } from '../../src/shell/scripts.ts';

const fake = await startFakeAws();
const sb = sandbox(fake, {}, { allow: false });

test.after(async () => {
  await fake.close();
  sb.cleanup();
});

const hookCall: Record<HookShell, string> = { bash: '__atmos_auth_hook prompt', zsh: '__atmos_auth_hook precmd', fish: '__atmos_auth_hook prompt' };
const show = (shell: HookShell, name: string) => (shell === 'fish' ? `printf '%s=%s\\n' ${name} "$${name}"` : `printf '%s=%s\\n' ${name} "\${${name}-}"`);

for (const shell of ['bash', 'zsh', 'fish'] as const) {
  test(`${shell}: an unallowed repository gets one hint, no variable, no request`, () => {
    if (!have(shell)) return;
    fake.clearLog();
    const hook = hookFile(sb.dir, shell, [process.execPath, CLI]);
    const h = hookCall[shell];
    const script = [
      `source '${hook}'`,
      `cd '${sb.stackDir('plat/dev')}'`, h,
      `cd '${sb.stackDir('plat/prod')}'`, h,
      // The repository's root has no identity: the same repository, so no second hint.
      `cd '${sb.acme}'`, h,
      `cd '${sb.stackDir('plat/dev')}'`, h,
      show(shell, 'ATMOS_AUTH_IDENTITY'), show(shell, 'AWS_ACCESS_KEY_ID'), show(shell, 'AWS_PROFILE'),
    ].join('\n');
    const r = runShell(shell, script, { ...sb.env, AWS_PROFILE: 'mine' }, sb.home);
    assert.is(r.status, 0, r.stderr);
    const hints = r.stderr.split('\n').filter((l) => l.includes('is not allowed'));
    assert.is(hints.length, 1, r.stderr);
    assert.ok(hints[0]!.includes(`atmos-auth allow ${sb.acme}`));
    assert.is(r.stderr.trim().split('\n').length, 1, `nothing else on stderr:\n${r.stderr}`);
    assert.match(r.stdout, /^ATMOS_AUTH_IDENTITY=$/m);
    assert.match(r.stdout, /^AWS_ACCESS_KEY_ID=$/m);
    assert.match(r.stdout, /^AWS_PROFILE=mine$/m);
    assert.is(fake.requests().length, 0);
  });
}

/** bash -c, asynchronously: the emulator runs in this process and must keep answering. */
function bashAsync(script: string, env: NodeJS.ProcessEnv, cwd: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn('bash', ['--norc', '--noprofile', '-c', script], { env, cwd });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d) => (stdout += d));
    c.stderr.on('data', (d) => (stderr += d));
    c.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

test('after `atmos-auth allow`, a refresh in the same shell applies the identity (bash)', async () => {
  const hook = hookFile(sb.dir, 'bash', [process.execPath, CLI]);
  const script = [
    `source '${hook}'`,
    `cd '${sb.stackDir('plat/dev')}'`, '__atmos_auth_hook prompt',
    `"${process.execPath}" '${CLI}' allow >/dev/null`,
    'atmos_auth_refresh',
    show('bash', 'ATMOS_AUTH_IDENTITY'),
  ].join('\n');
  const r = await bashAsync(script, sb.env, sb.home);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /^ATMOS_AUTH_IDENTITY=plat-dev\/terraform$/m, r.stderr);
  assert.ok(fake.count('GetRoleCredentials') >= 1);
});

test.run();
