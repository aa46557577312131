// The hooks with identity kinds beyond SSO (issue 12, section 3), in real zsh, bash and fish with
// the built CLI and the emulator: an aws/ambient stack keeps the shell's own credentials and
// AWS_PROFILE (even right after another identity was active), an aws/ambient -> assume-role stack
// assumes the role from the shell's own keys, and a stack whose identity is of a kind only Atmos
// handles leaves the current identity and says so once per shell.
import { spawn } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SUPERADMIN } from '../fake-aws/scenario.ts';
import { startFakeAws } from '../fake-aws/server.ts';
import { CLI, sandbox } from '../e2e/helpers.ts';
import { writeKindsProfile } from '../e2e/kinds-fixture.ts';
import { fakeFailure, fakeRepo, have, hookFile, shells } from '../helpers/shells.ts';
import type { HookShell } from '../../src/shell/scripts.ts';

for (const s of shells) if (!have(s)) throw new Error(`${s} is required for this test (Debian package ${s})`);

const fake = await startFakeAws();
const sb = sandbox(fake, { ATMOS_PROFILE: 'kinds' }, { allow: false });
writeKindsProfile(sb.acme);
{
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync(process.execPath, [CLI, 'allow', sb.acme], { env: sb.env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`allow failed: ${r.stderr}`);
}

test.after(async () => {
  await fake.close();
  sb.cleanup();
});

/** Runs `script` in a non-interactive shell (asynchronously: the emulator lives in this process). */
function runShell(shell: HookShell, script: string, env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const argv = shell === 'zsh' ? ['-f', '-c', script] : shell === 'bash' ? ['--norc', '--noprofile', '-c', script] : ['--no-config', '-c', script];
  return new Promise((resolve, reject) => {
    const child = spawn(shell, argv, { env, cwd: sb.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

const prompt: Record<HookShell, string> = {
  zsh: 'for f in $precmd_functions; do $f; done',
  bash: 'for __c in "${PROMPT_COMMAND[@]}"; do eval "$__c"; done',
  fish: 'emit fish_prompt',
};

/** Prints NAME=[value] or NAME=UNSET for each variable. */
const show: Record<HookShell, string> = {
  zsh: 'show() { local v; for v in "$@"; do if [[ -v $v ]]; then print -r -- "$v=[${(P)v}]"; else print -r -- "$v=UNSET"; fi; done; }',
  bash: `show() { local v; for v in "$@"; do if [[ -v $v ]]; then printf '%s=[%s]\\n' "$v" "\${!v}"; else printf '%s=UNSET\\n' "$v"; fi; done; }`,
  fish: `function show; for v in $argv; if set -q $v; printf '%s=[%s]\\n' $v "$$v"; else; printf '%s=UNSET\\n' $v; end; end; end`,
};

const VARS = 'ATMOS_AUTH_IDENTITY AWS_ACCESS_KEY_ID AWS_PROFILE AWS_REGION';

for (const shell of shells) {
  test(`${shell}: ambient keeps the shell's own credentials; ambient -> role uses them; an unsupported kind is said once and leaves the identity`, async () => {
    const hook = hookFile(sb.dir, shell, [process.execPath, CLI]);
    const step = (name: string, dir: string) => [`cd ${dir}`, prompt[shell], `echo ---${name}`, `show ${VARS}`];
    const script = [
      show[shell],
      `source ${hook}`,
      ...step('sso', sb.stackDir('core/audit')),
      ...step('ambient', sb.stackDir('plat/staging')),
      ...step('sso2', sb.stackDir('core/audit')),
      ...step('role', sb.stackDir('plat/prod')),
      'echo ---said >&2',
      ...step('unsupported', sb.stackDir('plat/dev')),
      ...step('sso3', sb.stackDir('core/audit')),
      'echo ---quiet >&2',
      ...step('unsupported2', sb.stackDir('plat/dev')),
      ...step('left', '/'),
    ].join('\n');
    fake.clearLog();
    const own = { AWS_ACCESS_KEY_ID: SUPERADMIN.accessKeyId, AWS_SECRET_ACCESS_KEY: SUPERADMIN.secretAccessKey, AWS_PROFILE: 'mine', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent' };
    const r = await runShell(shell, script, { ...sb.env, ...own });
    assert.is(r.status, 0, r.stderr);
    const part = (name: string) => r.stdout.split(`---${name}\n`)[1]!.split('---')[0]!;
    const ssoKey = /AWS_ACCESS_KEY_ID=\[(ASIA\w+)\]/.exec(part('sso'))?.[1];
    assert.ok(ssoKey, part('sso'));
    assert.match(part('sso'), /ATMOS_AUTH_IDENTITY=\[core-audit\/terraform\]\n.*\nAWS_PROFILE=UNSET\n/);
    // Right after core-audit: its keys are gone, the shell's own are back, AWS_PROFILE too.
    assert.is(part('ambient'), `ATMOS_AUTH_IDENTITY=[plat-staging/terraform]\nAWS_ACCESS_KEY_ID=[${SUPERADMIN.accessKeyId}]\nAWS_PROFILE=[mine]\nAWS_REGION=[eu-west-1]\n`);
    assert.match(part('sso2'), /ATMOS_AUTH_IDENTITY=\[core-audit\/terraform\]/);
    // The role is assumed with the shell's own keys (superadmin), not core-audit's session, which
    // acme-plat-prod-terraform does not trust.
    assert.match(part("role"), /ATMOS_AUTH_IDENTITY=\[plat-prod\/terraform\]\nAWS_ACCESS_KEY_ID=\[ASIA\w+\]\nAWS_PROFILE=UNSET\n/, r.stdout + r.stderr);
    const assumed = fake.requests().filter((e) => e.op === 'AssumeRole');
    assert.is(assumed.length, 1);
    assert.is(assumed[0]!.user, 'superadmin');
    assert.is(assumed[0]!.status, 200);
    // Unsupported: nothing of atmos-auth's is left, the shell's own values are back.
    const mine = `ATMOS_AUTH_IDENTITY=UNSET\nAWS_ACCESS_KEY_ID=[${SUPERADMIN.accessKeyId}]\nAWS_PROFILE=[mine]\nAWS_REGION=UNSET\n`;
    assert.is(part('unsupported'), mine);
    assert.match(part('sso3'), /ATMOS_AUTH_IDENTITY=\[core-audit\/terraform\]/);
    assert.is(part('unsupported2'), mine);
    assert.is(part('left'), mine);
    // Said once per shell: on the first visit, not on the second.
    const [, said = '', quiet = ''] = r.stderr.split(/---(?:said|quiet)\n/);
    assert.match(said, /identity plat-dev\/terraform uses azure\/subscription \(plat-dev\/terraform\), which atmos-auth does not implement: nothing exported/);
    assert.match(said, /use atmos auth exec -i plat-dev\/terraform -- <command>, or atmos auth shell -i plat-dev\/terraform/);
    assert.is(quiet, '', 'the second visit says nothing');
  });
}

for (const shell of shells) {
  test(`${shell}: exit 4 (fake CLI): leaves the identity, said once per repository, the other stacks keep logging in`, async () => {
    const r = fakeRepo();
    fakeFailure(r.prod, 4, 'atmos-auth: identity plat-prod/terraform uses azure/subscription: use atmos auth exec\n');
    const hook = hookFile(r.base, shell, ['atmos-auth-not-used']);
    const setProfile = shell === 'fish' ? "set -gx AWS_PROFILE mine" : "export AWS_PROFILE=mine";
    const out = await runShell(shell, [
      show[shell], `source ${hook}`, setProfile,
      `cd ${r.dev}`, prompt[shell], 'echo ---dev', 'show ATMOS_AUTH_IDENTITY AWS_PROFILE',
      `cd ${r.prod}`, prompt[shell], 'echo ---prod', 'show ATMOS_AUTH_IDENTITY AWS_PROFILE AWS_ACCESS_KEY_ID',
      `cd ${r.dev}`, prompt[shell], `cd ${r.prod}`, prompt[shell], 'echo ---prod2', 'show ATMOS_AUTH_IDENTITY AWS_PROFILE',
      'atmos_auth_refresh',
    ].join('\n'), r.env);
    assert.is(out.status, 0, out.stderr);
    assert.match(out.stdout, /---dev\nATMOS_AUTH_IDENTITY=\[plat-dev\/terraform\]\nAWS_PROFILE=UNSET\n/);
    assert.match(out.stdout, /---prod\nATMOS_AUTH_IDENTITY=UNSET\nAWS_PROFILE=\[mine\]\nAWS_ACCESS_KEY_ID=UNSET\n/);
    assert.match(out.stdout, /---prod2\nATMOS_AUTH_IDENTITY=UNSET\nAWS_PROFILE=\[mine\]\n/);
    // Once on the first visit, once more for atmos_auth_refresh (which shows messages again).
    assert.is(out.stderr, 'atmos-auth: identity plat-prod/terraform uses azure/subscription: use atmos auth exec\n'.repeat(2));
    const f = `export --format ${shell}`;
    // Never --no-login: exit 4 is no failed run. Later runs in the repository carry the marker (dev
    // ignores it); atmos_auth_refresh does not.
    assert.equal(r.starts(), [f, f, `${f} [said]`, `${f} [said]`, f]);
  });
}

test.run();
