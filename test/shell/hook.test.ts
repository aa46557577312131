// The hooks' mechanics in real zsh, bash and fish run non-interactively, against a fake
// `atmos-auth` (test/shell/fixtures/fake-atmos-auth.sh) that counts its starts: enter, switch,
// leave and restore, zero starts when nothing changed, failures, expiry, sourcing twice.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { fakeFailure, fakeRepo, hookFile, runShell, shells, tempDir } from '../helpers/shells.ts';
import type { HookShell } from '../../src/shell/scripts.ts';

const hooks = tempDir();
const hook = (s: HookShell) => hookFile(hooks, s, ['atmos-auth-not-used']);

/** What "a prompt is about to be drawn" means in each shell. */
const prompt: Record<HookShell, string> = {
  zsh: 'for f in $precmd_functions; do $f; done',
  bash: 'for __c in "${PROMPT_COMMAND[@]}"; do eval "$__c"; done',
  fish: 'emit fish_prompt',
};

/** Prints NAME=[value] or NAME=UNSET (and :x when exported) for each variable. */
const show: Record<HookShell, string> = {
  zsh: `show() { local v t; for v in "$@"; do if [[ -v $v ]]; then t=\${(tP)v}; [[ $t == *export* ]] && t='' || t=scalar; print -r -- "$v=[\${(P)v}]$t"; else print -r -- "$v=UNSET"; fi; done; }`,
  bash: `show() { local v; for v in "$@"; do if [[ -v $v ]]; then if [[ \${!v@a} == *x* ]]; then printf '%s=[%s]\\n' "$v" "\${!v}"; else printf '%s=[%s]scalar\\n' "$v" "\${!v}"; fi; else printf '%s=UNSET\\n' "$v"; fi; done; }`,
  fish: `function show; for v in $argv; if set -q $v; if set -qx $v; printf '%s=[%s]\\n' $v "$$v"; else; printf '%s=[%s]scalar\\n' $v "$$v"; end; else; printf '%s=UNSET\\n' $v; end; end; end`,
};

function script(shell: HookShell, body: string[]): string {
  const sep = '\n';
  return [show[shell], `source ${hook(shell)}`, ...body].join(sep);
}

const setVar = (shell: HookShell, name: string, value: string, exported = true) =>
  shell === 'fish' ? `set -g${exported ? 'x' : ''} ${name} '${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`
    : `${exported ? 'export ' : ''}${name}='${value.replaceAll("'", `'\\''`)}'`;

for (const shell of shells) {
  test(`${shell}: enter, switch, leave restores exactly (set, quoted, unset, not exported); zero starts outside`, () => {
    const r = fakeRepo();
    const out = runShell(shell, script(shell, [
      setVar(shell, 'AWS_PROFILE', `it's "quoted" $(x) \`y\``),
      setVar(shell, 'AWS_REGION', 'eu-west-1', false),
      `cd ${r.outside}`, prompt[shell], prompt[shell],
      'echo ---outside', `show AWS_PROFILE AWS_REGION AWS_ACCESS_KEY_ID ATMOS_AUTH_IDENTITY`,
      `cd ${r.dev}`, prompt[shell], prompt[shell], prompt[shell],
      'echo ---dev', 'show AWS_PROFILE AWS_REGION AWS_ACCESS_KEY_ID ATMOS_AUTH_IDENTITY ATMOS_AUTH_ACCESS',
      `cd ${r.prod}`, prompt[shell],
      'echo ---prod', 'show ATMOS_AUTH_IDENTITY ATMOS_AUTH_ACCESS',
      `cd ${r.outside}`, prompt[shell], `cd /`, prompt[shell], prompt[shell],
      'echo ---left', 'show AWS_PROFILE AWS_REGION AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY ATMOS_AUTH_IDENTITY AWS_CREDENTIAL_EXPIRATION',
    ]), r.env);
    assert.is(out.stderr, '');
    assert.is(out.status, 0);
    const [, outside, dev, prod, left] = out.stdout.split(/---\w+\n/);
    assert.is(outside, `AWS_PROFILE=[it's "quoted" $(x) \`y\`]\nAWS_REGION=[eu-west-1]scalar\nAWS_ACCESS_KEY_ID=UNSET\nATMOS_AUTH_IDENTITY=UNSET\n`);
    assert.is(dev, 'AWS_PROFILE=UNSET\nAWS_REGION=[us-east-2]\nAWS_ACCESS_KEY_ID=[AKIAPLATDEVTERRAFORM]\nATMOS_AUTH_IDENTITY=[plat-dev/terraform]\nATMOS_AUTH_ACCESS=[apply]\n');
    assert.is(prod, 'ATMOS_AUTH_IDENTITY=[plat-prod/terraform]\nATMOS_AUTH_ACCESS=[plan]\n');
    assert.is(left, `AWS_PROFILE=[it's "quoted" $(x) \`y\`]\nAWS_REGION=[eu-west-1]scalar\nAWS_ACCESS_KEY_ID=UNSET\nAWS_SECRET_ACCESS_KEY=UNSET\nATMOS_AUTH_IDENTITY=UNSET\nAWS_CREDENTIAL_EXPIRATION=UNSET\n`);
    // One start per cd into the repository; none for prompts, none outside.
    assert.equal(r.starts(), [`export --format ${shell}`, `export --format ${shell}`]);
  });

  test(`${shell}: sourced twice registers once and keeps its state`, () => {
    const r = fakeRepo();
    const count = shell === 'zsh' ? 'print ${#${(M)precmd_functions:#__atmos_auth_precmd}} ${#${(M)chpwd_functions:#__atmos_auth_chpwd}}'
      : shell === 'bash' ? 'n=0; for c in "${PROMPT_COMMAND[@]}"; do [[ $c == *__atmos_auth_prompt_command* ]] && n=$((n+1)); done; echo $n'
      : 'functions --handlers | string match -r "__atmos_auth_on_(?:pwd|prompt)" | count';
    const out = runShell(shell, script(shell, [
      `cd ${r.dev}`, prompt[shell], `source ${hook(shell)}`, count, prompt[shell],
      `cd ${r.outside}`, prompt[shell], 'show ATMOS_AUTH_IDENTITY',
    ]), r.env);
    assert.is(out.stderr, '');
    assert.is(out.stdout, shell === 'zsh' ? '1 1\nATMOS_AUTH_IDENTITY=UNSET\n' : shell === 'bash' ? '1\nATMOS_AUTH_IDENTITY=UNSET\n' : '2\nATMOS_AUTH_IDENTITY=UNSET\n');
    assert.is(r.starts().length, 1);
  });

  test(`${shell}: a failing export shows its message once per repository and changes nothing`, () => {
    const r = fakeRepo();
    fakeFailure(r.prod, 3, 'atmos-auth: not allowed: run `atmos-auth allow`\n');
    const sub = join(r.prod, 'sub');
    runShell('bash', `mkdir -p ${sub}/.fake && cp ${r.prod}/.fake/* ${sub}/.fake/`, r.env);
    const out = runShell(shell, script(shell, [
      setVar(shell, 'AWS_PROFILE', 'mine'),
      `cd ${r.prod}`, prompt[shell], 'show AWS_PROFILE ATMOS_AUTH_IDENTITY',
      `cd ${sub}`, prompt[shell], 'show AWS_PROFILE ATMOS_AUTH_IDENTITY',
      `cd ${r.dev}`, prompt[shell], 'show ATMOS_AUTH_IDENTITY',
      'echo alive',
    ]), r.env);
    assert.is(out.stderr, 'atmos-auth: not allowed: run `atmos-auth allow`\n');
    // dev, in the same repository, still works (quietly, without login).
    assert.is(out.stdout, 'AWS_PROFILE=[mine]\nATMOS_AUTH_IDENTITY=UNSET\nAWS_PROFILE=[mine]\nATMOS_AUTH_IDENTITY=UNSET\nATMOS_AUTH_IDENTITY=[plat-dev/terraform]\nalive\n');
    // The first run may log in; later ones in the same repository never do and stay quiet.
    assert.equal(r.starts(), [`export --format ${shell}`, `export --format ${shell} --no-login`, `export --format ${shell} --no-login`]);
  });

  test(`${shell}: credentials near expiry are refreshed at the next prompt, fresh ones are not`, () => {
    const near = fakeRepo(4 * 60);
    let out = runShell(shell, script(shell, [`cd ${near.dev}`, prompt[shell], prompt[shell], prompt[shell]]), near.env);
    assert.is(out.stderr, '');
    // zsh and fish also run on the cd itself (chpwd, --on-variable PWD); bash at prompts only.
    assert.is(near.starts().length, shell === 'bash' ? 3 : 4, 'one start per prompt while within 5 minutes of expiry');
    const fresh = fakeRepo(6 * 60);
    out = runShell(shell, script(shell, [`cd ${fresh.dev}`, prompt[shell], prompt[shell], prompt[shell]]), fresh.env);
    assert.is(fresh.starts().length, 1);
  });

  test(`${shell}: a changed ATMOS_PROFILE runs export again in the same directory`, () => {
    const r = fakeRepo();
    runShell(shell, script(shell, [`cd ${r.dev}`, prompt[shell], setVar(shell, 'ATMOS_PROFILE', 'managers'), prompt[shell], prompt[shell]]), r.env);
    assert.is(r.starts().length, 2);
  });

  test(`${shell}: identity values inherited from a parent shell are not restored on leaving`, () => {
    const r = fakeRepo();
    const env = { ...r.env, ATMOS_AUTH_IDENTITY: 'parent/identity', AWS_ACCESS_KEY_ID: 'PARENTKEY', AWS_PROFILE: 'kept' };
    const out = runShell(shell, script(shell, [`cd ${r.dev}`, prompt[shell], `cd ${r.outside}`, prompt[shell], 'show ATMOS_AUTH_IDENTITY AWS_ACCESS_KEY_ID AWS_PROFILE']), env);
    assert.is(out.stdout, 'ATMOS_AUTH_IDENTITY=UNSET\nAWS_ACCESS_KEY_ID=UNSET\nAWS_PROFILE=[kept]\n');
  });

  test(`${shell}: atmos_auth_prompt prints identity, access and minutes left; expired mark; nothing outside`, () => {
    const exp = (s: number) => new Date(Date.now() + s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const cases: [Record<string, string>, RegExp][] = [
      [{ ATMOS_AUTH_IDENTITY: 'plat-dev/terraform', ATMOS_AUTH_ACCESS: 'plan', AWS_CREDENTIAL_EXPIRATION: exp(42 * 60 + 30) }, /^plat-dev\/terraform \(plan\) 4[12]m$/],
      [{ ATMOS_AUTH_IDENTITY: 'a%b', AWS_CREDENTIAL_EXPIRATION: exp(-10) }, shell === 'zsh' ? /^a%%b expired$/ : /^a%b expired$/],
      [{ ATMOS_AUTH_IDENTITY: 'x', AWS_CREDENTIAL_EXPIRATION: exp(3 * 3600 + 5 * 60 + 30) }, /^x 3h[45]m$/],
      [{ ATMOS_AUTH_IDENTITY: 'x', AWS_CREDENTIAL_EXPIRATION: '2025-01-01T00:00:00.5+02:00' }, /^x expired$/],
      [{}, /^$/],
    ];
    for (const [vars, want] of cases) {
      const out = runShell(shell, script(shell, ['atmos_auth_prompt']), { ...fakeRepo().env, ...vars });
      assert.is(out.stderr, '');
      assert.match(out.stdout, want);
    }
  });
}

test('zsh and bash: `set -u`/`setopt nounset` and `set -e` of the user are respected and survive', () => {
  for (const shell of ['zsh', 'bash'] as const) {
    const r = fakeRepo();
    fakeFailure(r.prod, 1, 'boom\n');
    const opts = shell === 'zsh' ? 'setopt nounset errexit' : 'set -eu';
    const check = shell === 'zsh' ? '[[ -o nounset && -o errexit ]] && echo opts-kept' : '[[ $- == *e* && $- == *u* ]] && echo opts-kept';
    const out = runShell(shell, [show[shell], opts, `source ${hook(shell)}`, `cd ${r.dev}`, prompt[shell], `cd ${r.prod}`, prompt[shell], `cd ${r.outside}`, prompt[shell], check, 'echo alive'].join('\n'), r.env);
    assert.is(out.stdout, 'opts-kept\nalive\n', `${shell}: ${out.stderr}`);
    assert.is(out.stderr, 'boom\n');
  }
});

test('bash: $? reaches the rest of PROMPT_COMMAND (string and array form), which keeps running', () => {
  const r = fakeRepo();
  for (const pc of [`PROMPT_COMMAND='echo "user saw $?"'`, `PROMPT_COMMAND=('echo "user saw $?"' 'echo second')`]) {
    const out = runShell('bash', [pc, `source ${hook('bash')}`, `cd ${r.dev}`, '(exit 7)', prompt.bash, 'echo "$ATMOS_AUTH_IDENTITY"'].join('\n'), r.env);
    assert.is(out.stderr, '');
    assert.match(out.stdout, /^user saw 7\n(second\n)?plat-dev\/terraform\n$/);
  }
});

test.run();
