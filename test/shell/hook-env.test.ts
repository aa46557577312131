// The hooks with an identity's env: variables, in real zsh, bash and fish against the fake CLI
// (test/shell/fixtures/fake-atmos-auth.sh) printing what `export` prints (src/shell/env.ts
// withIdentityVars, rendered by the real formats): entering saves the user's values of the extra
// names (exported, shell-only, absent), switching A -> B puts back A's extras B lacks, leaving
// restores exactly; values inherited from a parent shell's hook are not restored.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { fakeExport, fakeRepo as makeFakeRepo, hookFile, identityChange, runShell, shells, tempDir } from '../helpers/shells.ts';
import { withIdentityVars } from '../../src/shell/env.ts';
import { bash as posixFormat } from '../../src/shell/formats/posix.ts';
import type { HookShell } from '../../src/shell/scripts.ts';

const hooks = tempDir();
const made: string[] = [hooks];
/** helpers' fakeRepo(), removed after the suite. */
function fakeRepo() {
  const r = makeFakeRepo();
  made.push(r.base);
  return r;
}
test.after(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});
const hook = (s: HookShell) => hookFile(hooks, s, ['atmos-auth-not-used']);

const prompt: Record<HookShell, string> = {
  zsh: 'for f in $precmd_functions; do $f; done',
  bash: 'for __c in "${PROMPT_COMMAND[@]}"; do eval "$__c"; done',
  fish: 'emit fish_prompt',
};

const show: Record<HookShell, string> = {
  // Locals named __s*: the variables shown may be called v, t, s ... (see the test of such names).
  zsh: `show() { local __sv __st; for __sv in "$@"; do if [[ -v $__sv ]]; then __st=\${(tP)__sv}; [[ $__st == *export* ]] && __st='' || __st=scalar; print -r -- "$__sv=[\${(P)__sv}]$__st"; else print -r -- "$__sv=UNSET"; fi; done; }`,
  bash: `show() { local __sv; for __sv in "$@"; do if [[ -v $__sv ]]; then if [[ \${!__sv@a} == *x* ]]; then printf '%s=[%s]\\n' "$__sv" "\${!__sv}"; else printf '%s=[%s]scalar\\n' "$__sv" "\${!__sv}"; fi; else printf '%s=UNSET\\n' "$__sv"; fi; done; }`,
  fish: `function show; for __sv in $argv; if set -q $__sv; if set -qx $__sv; printf '%s=[%s]\\n' $__sv "$$__sv"; else; printf '%s=[%s]scalar\\n' $__sv "$$__sv"; end; else; printf '%s=UNSET\\n' $__sv; end; end; end`,
};

const setVar = (shell: HookShell, name: string, value: string, exported = true) =>
  shell === 'fish' ? `set -g${exported ? 'x' : ''} ${name} '${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`
    : `${exported ? 'export ' : ''}${name}='${value.replaceAll("'", `'\\''`)}'`;

const HOSTILE = `it's "q" $(touch /tmp/pwned-by-env) \`x\`\nexport ATMOS_AUTH_ENV_KEYS='PATH';`;

/** dev: identity A with FOO, BAR and AWS_REGION; prod (entered from dev): identity B with FOO, BAZ. */
function repoWithEnv() {
  const r = fakeRepo();
  const a = withIdentityVars(identityChange('plat-dev/terraform', 'apply', 42 * 60), [
    { key: 'FOO', value: 'a-foo' },
    { key: 'BAR', value: HOSTILE },
    { key: 'AWS_REGION', value: 'eu-central-1' },
  ], {});
  fakeExport(r.dev, a);
  // The hooks run export with the user's own values (not identity A's), so B's lines are made
  // from an environment without A's markers or extras, as the real CLI then sees it.
  const b = withIdentityVars(identityChange('plat-prod/terraform', 'plan', 42 * 60), [
    { key: 'FOO', value: 'b-foo' },
    { key: 'BAZ', value: 'b-baz' },
  ], {});
  fakeExport(r.prod, b);
  return r;
}

test('export text: ATMOS_AUTH_ENV_KEYS first (what the hooks read), the env: values quoted as data, stale extras unset', () => {
  const b = withIdentityVars(identityChange('x', 'plan', 60), [{ key: 'FOO', value: 'b' }, { key: 'AWS_REGION', value: 'eu-west-1' }], { ATMOS_AUTH_ENV_KEYS: 'FOO BAR', BAR: '1' });
  const text = posixFormat.render(b);
  assert.is(text.split('\n')[0], "export ATMOS_AUTH_ENV_KEYS='FOO';");
  assert.ok(text.includes("export AWS_REGION='eu-west-1';"));
  assert.ok(text.includes('unset BAR;'));
  // Nothing extra: the marker is not printed, and is removed when a previous identity had one.
  const none = withIdentityVars(identityChange('x', 'plan', 60), undefined, {});
  assert.not.ok('ATMOS_AUTH_ENV_KEYS' in none.set || none.unset.includes('ATMOS_AUTH_ENV_KEYS'));
  const after = withIdentityVars(identityChange('x', 'plan', 60), [], { ATMOS_AUTH_ENV_KEYS: 'OLD', OLD: 'v' });
  assert.ok(after.unset.includes('ATMOS_AUTH_ENV_KEYS') && after.unset.includes('OLD'));
  assert.throws(() => withIdentityVars(identityChange('x', 'plan', 60), [{ key: 'PATH', value: '/x' }], {}), /refusing env entry "PATH"/);
});

for (const shell of shells) {
  test(`${shell}: env: extras are saved, switched and restored exactly (exported, shell-only, absent)`, () => {
    const r = repoWithEnv();
    const vars = 'FOO BAR BAZ QUX AWS_REGION ATMOS_AUTH_ENV_KEYS ATMOS_AUTH_IDENTITY';
    const out = runShell(shell, [show[shell], `source ${hook(shell)}`,
      setVar(shell, 'FOO', "user's foo"),
      setVar(shell, 'BAR', 'user bar', false),
      setVar(shell, 'QUX', 'untouched'),
      setVar(shell, 'AWS_REGION', 'us-west-2'),
      `cd ${r.dev}`, prompt[shell], 'echo ---dev', `show ${vars}`,
      `cd ${r.prod}`, prompt[shell], 'echo ---prod', `show ${vars}`,
      `cd ${r.outside}`, prompt[shell], 'echo ---left', `show ${vars}`,
    ].join('\n'), r.env);
    assert.is(out.stderr, '');
    const [, dev, prod, left] = out.stdout.split(/---\w+\n/);
    assert.is(dev, `FOO=[a-foo]\nBAR=[${HOSTILE}]\nBAZ=UNSET\nQUX=[untouched]\nAWS_REGION=[eu-central-1]\nATMOS_AUTH_ENV_KEYS=[FOO BAR]\nATMOS_AUTH_IDENTITY=[plat-dev/terraform]\n`);
    assert.is(prod, `FOO=[b-foo]\nBAR=[user bar]scalar\nBAZ=[b-baz]\nQUX=[untouched]\nAWS_REGION=[us-east-2]\nATMOS_AUTH_ENV_KEYS=[FOO BAZ]\nATMOS_AUTH_IDENTITY=[plat-prod/terraform]\n`);
    assert.is(left, `FOO=[user's foo]\nBAR=[user bar]scalar\nBAZ=UNSET\nQUX=[untouched]\nAWS_REGION=[us-west-2]\nATMOS_AUTH_ENV_KEYS=UNSET\nATMOS_AUTH_IDENTITY=UNSET\n`);
  });

  test(`${shell}: extras inherited from a parent shell's identity are atmos-auth's: removed on leaving`, () => {
    const r = repoWithEnv();
    const env = { ...r.env, ATMOS_AUTH_IDENTITY: 'parent/identity', ATMOS_AUTH_ENV_KEYS: 'FOO', FOO: 'parent-foo', BAR: 'users-bar' };
    const out = runShell(shell, [show[shell], `source ${hook(shell)}`, `cd ${r.dev}`, prompt[shell], `cd ${r.outside}`, prompt[shell], 'show FOO BAR ATMOS_AUTH_ENV_KEYS'].join('\n'), env);
    assert.is(out.stderr, '');
    assert.is(out.stdout, 'FOO=UNSET\nBAR=[users-bar]\nATMOS_AUTH_ENV_KEYS=UNSET\n');
  });

  test(`${shell}: env: names equal to the hooks' own local names (root, mode, out, v, s ...) are applied and restored`, () => {
    const r = fakeRepo();
    const names = ['v', 's', 'k', 'm', 't', 'e', 'i', 'root', 'mode', 'out', 'rc', 'quiet', 'cmd', 'keys', 'keep', 'first', 'inputs', 'now', 'attrs', 'inherited'];
    fakeExport(r.dev, withIdentityVars(identityChange('plat-dev/terraform', 'apply', 42 * 60), names.map((n) => ({ key: n, value: `id-${n}` })), {}));
    const out = runShell(shell, [show[shell], `source ${hook(shell)}`, setVar(shell, 'mode', 'user mode'), setVar(shell, 'v', 'user v', false),
      `cd ${r.dev}`, prompt[shell], 'echo ---dev', `show ${names.join(' ')}`,
      `cd ${r.outside}`, prompt[shell], 'echo ---left', `show ${names.join(' ')}`].join('\n'), r.env);
    assert.is(out.stderr, '');
    const [, dev, left] = out.stdout.split(/---\w+\n/);
    assert.is(dev, names.map((n) => `${n}=[id-${n}]\n`).join(''));
    assert.is(left, names.map((n) => (n === 'mode' ? 'mode=[user mode]\n' : n === 'v' ? 'v=[user v]scalar\n' : `${n}=UNSET\n`)).join(''));
  });

  test(`${shell}: a directory of the repository without an identity restores the extras too`, () => {
    const r = repoWithEnv();
    const none = join(r.repo, 'stacks', 'none');
    mkdirSync(join(none, '.fake'), { recursive: true });
    // What export prints where no identity applies (clearEnv): the fake's own fallback.
    writeFileSync(join(none, '.fake', 'keep'), '');
    const out = runShell(shell, [show[shell], `source ${hook(shell)}`, setVar(shell, 'BAR', 'mine'), `cd ${r.dev}`, prompt[shell], `cd ${none}`, prompt[shell], 'show FOO BAR ATMOS_AUTH_IDENTITY'].join('\n'), r.env);
    assert.is(out.stderr, '');
    assert.is(out.stdout, 'FOO=UNSET\nBAR=[mine]\nATMOS_AUTH_IDENTITY=UNSET\n');
  });
}

test.run();
