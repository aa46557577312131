// Shell completion in real shells: bash through its completion function called with COMP_WORDS
// and COMP_CWORD (as bash-completion's own tests do), fish through `complete -C` (its API), zsh
// interactively in tmux, pressing TAB. Candidates come from examples/acme; names with spaces,
// quotes and `$(...)` come out as one literal word. Also: the static table matches every
// command's --help (yargs), and __complete prints nothing but candidates, and nothing on failure.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMANDS, type CommandSpec } from '../../src/commands/completion-table.ts';
import { DESTINATION_ALIASES } from '../../src/aws/console-destinations.ts';
import { renderScript } from '../../src/shell/scripts.ts';
import { ATMOS_YAML, acme, cli, cliPath, repo, tempDir } from '../atmos/helpers.ts';
import { TmuxShell, have } from '../helpers/shells.ts';

for (const tool of ['bash', 'zsh', 'fish', 'tmux', 'shellcheck']) {
  if (!have(tool)) throw new Error(`test/shell/completion.test.ts needs ${tool} on PATH (Debian package: ${tool})`);
}

const home = tempDir('atmos-auth-completion-home-');
const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, XDG_CONFIG_HOME: join(home, '.config'), TERM: 'xterm-256color', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', ...extra,
});
const scripts = tempDir('atmos-auth-completion-');
const scriptFile = (shell: 'zsh' | 'bash' | 'fish') => {
  const f = join(scripts, `completion.${shell}`);
  writeFileSync(f, renderScript(`completion.${shell}`, shell, [process.execPath, cliPath]));
  return f;
};
const files = { bash: scriptFile('bash'), zsh: scriptFile('zsh'), fish: scriptFile('fish') };

const json = (args: string[], e: Record<string, string>) => {
  const r = cli([...args, '--json'], { cwd: acme, env: e });
  assert.is(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
};
const developers = json(['list'], { ATMOS_PROFILE: 'developers' });
const IDENTITIES: string[] = developers.identities.map((i: { name: string }) => i.name).sort();
const STACKS: string[] = [...new Set<string>(developers.identities.flatMap((i: { stacks: string[] }) => i.stacks))].sort();
const PROFILES = ['developers', 'devops', 'github-apply', 'github-plan', 'managers', 'superadmin'];
const FORMATS = ['bash', 'dotenv', 'fish', 'github', 'json', 'sh', 'zsh'];
const sorted = (xs: readonly string[]) => [...xs].sort((a, b) => a.localeCompare(b));

// What every shell must offer, in examples/acme with ATMOS_PROFILE=developers: the line typed, and the candidates.
const CASES: [string, string[]][] = [
  ['atmos-auth ', Object.keys(COMMANDS)],
  ['atmos-auth export --f', ['--format']],
  ['atmos-auth export --format ', FORMATS],
  ['atmos-auth login --identity ', IDENTITIES],
  ['atmos-auth login --profile ', PROFILES],
  ['atmos-auth resolve -s ', STACKS],
  ['atmos-auth resolve --stack ', STACKS],
  ['atmos-auth console --destination ', sorted(DESTINATION_ALIASES)],
  ['atmos-auth eks ', ['token', 'kubeconfig']],
  ['atmos-auth completion ', ['bash', 'fish', 'zsh']],
  ['atmos-auth export --profile developers,ma', ['developers,managers']],
];

/** A repository whose identity names need quoting: they must reach the line as one literal word. */
const odd = repo({ 'atmos.yaml': `${ATMOS_YAML}    "it's a/b c":\n      kind: aws/permission-set\n      via: { provider: sso }\n      principal: { name: X, account: { name: x } }\n    "$(touch pwned)/x\\"y":\n      kind: aws/permission-set\n      via: { provider: sso }\n      principal: { name: X, account: { name: x } }\n` });
const ODD = ['$(touch pwned)/x"y', "it's a/b c"];

/** Words of a line as the shell splits them (the last may be empty: completing a new word). */
const wordsOf = (line: string) => (line.endsWith(' ') ? [...line.trim().split(/ +/), ''] : line.split(/ +/));

test('bash: the completion function fills COMPREPLY from examples/acme', () => {
  const calls = CASES.map(([line]) => `c ${wordsOf(line).map((w) => `'${w}'`).join(' ')}`).join('\n');
  const script = `source '${files.bash}'\ncomplete -p atmos-auth\nc() { COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMPREPLY=(); _atmos_auth_complete; for w in "\${COMPREPLY[@]}"; do eval "printf '%s\\n' $w"; done; echo ---; }\n${calls}\n`;
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', script], { cwd: acme, env: env({ ATMOS_PROFILE: 'developers' }), encoding: 'utf8', timeout: 60_000 });
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stderr, '');
  const [reg, ...rest] = r.stdout.split('\n');
  assert.is(reg, 'complete -F _atmos_auth_complete atmos-auth');
  const got = rest.join('\n').split('---\n').slice(0, CASES.length).map((s) => s.split('\n').filter(Boolean));
  CASES.forEach(([line, want], i) => {
    // bash offers what starts with the word typed (the last word of the line), quoted for the
    // line: eval gives the names back (`developers\\,managers` is developers,managers).
    const cur = wordsOf(line).at(-1)!;
    assert.equal(got[i], want.filter((w) => w.startsWith(cur)), line);
  });
});

test('bash: odd names are quoted for the line (eval gives them back), nothing runs', () => {
  const script = `source '${files.bash}'\nCOMP_WORDS=(atmos-auth login --identity ''); COMP_CWORD=3; _atmos_auth_complete\nfor w in "\${COMPREPLY[@]}"; do eval "printf '%s\\n' $w"; done\n`;
  const cwd = odd;
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', script], { cwd, env: env(), encoding: 'utf8', timeout: 30_000 });
  assert.is(r.status, 0, r.stderr);
  const names = r.stdout.split('\n').filter(Boolean);
  for (const n of ODD) assert.ok(names.includes(n), `${n} in ${JSON.stringify(names)}`);
  assert.not.ok(spawnSync('test', ['-e', join(cwd, 'pwned')]).status === 0, 'a name was run as code');
});

/** `complete -C LINE` in fish: the candidates (without descriptions). */
function fishComplete(lines: string[], cwd: string, e: NodeJS.ProcessEnv): string[][] {
  const q = (s: string) => `'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
  const script = `source ${q(files.fish)}\n${lines.map((l) => `complete -C ${q(l)}; echo ---`).join('\n')}\n`;
  const r = spawnSync('fish', ['--no-config', '-c', script], { cwd, env: e, encoding: 'utf8', timeout: 60_000 });
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stderr, '');
  return r.stdout.split('---\n').slice(0, lines.length).map((s) => s.split('\n').filter(Boolean).map((l) => l.split('\t')[0]!));
}

test('fish: complete -C offers the candidates of examples/acme', () => {
  const got = fishComplete(CASES.map(([l]) => l), acme, env({ ATMOS_PROFILE: 'developers' }));
  CASES.forEach(([line, want], i) => {
    const cur = wordsOf(line).at(-1)!;
    // fish filters (and sorts) by itself; what starts with the word must all be there.
    assert.equal(sorted(got[i]!.filter((w) => w.startsWith(cur))), sorted(want.filter((w) => w.startsWith(cur))), line);
  });
});

test('fish: odd names come back as they are written', () => {
  const [got] = fishComplete(['atmos-auth login --identity '], odd, env());
  for (const n of ODD) assert.ok(got!.includes(n), `${n} in ${JSON.stringify(got)}`);
});

/** An interactive zsh in tmux with compinit and the completion script. */
async function zsh(cwd: string, e: NodeJS.ProcessEnv) {
  const zdot = join(tempDir('atmos-auth-zdot-'));
  mkdirSync(zdot, { recursive: true });
  writeFileSync(join(zdot, '.zshrc'), [
    "PROMPT='READY> '",
    'autoload -Uz compinit && compinit -u -d ' + join(zdot, '.zcompdump'),
    `source '${files.zsh}'`,
    'LISTMAX=0',
    '',
  ].join('\n'));
  const t = new TmuxShell('zsh');
  t.start(['zsh', '-i'], { ...e, ZDOTDIR: zdot, SHELL: 'zsh' }, cwd);
  await t.waitFor(/READY> /);
  return t;
}

/** Types `line`, presses TAB, waits for `want` in the pane, and clears the line and the screen. */
async function tab(t: TmuxShell, line: string, want: RegExp): Promise<string> {
  const tm = (...a: string[]) => spawnSync('tmux', ['-L', t.socket, '-f', '/dev/null', ...a], { encoding: 'utf8' });
  tm('send-keys', '-t', 'main', '-l', line);
  tm('send-keys', '-t', 'main', 'Tab');
  const pane = () => tm('capture-pane', '-p', '-J', '-t', 'main').stdout;
  const end = Date.now() + 20_000;
  let text = pane();
  while (!want.test(text)) {
    if (Date.now() > end) throw new Error(`zsh: no ${want} after ${JSON.stringify(line)} TAB:\n${text}`);
    await new Promise((r) => setTimeout(r, 50));
    text = pane();
  }
  tm('send-keys', '-t', 'main', 'C-c');
  t.send('clear');
  while (pane().trim() !== 'READY>') {
    if (Date.now() > end) throw new Error(`zsh: the screen did not clear:\n${pane()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  tm('clear-history', '-t', 'main');
  return text;
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test('zsh: TAB in an interactive shell lists or inserts the candidates of examples/acme', async () => {
  const t = await zsh(acme, env({ ATMOS_PROFILE: 'developers' }));
  try {
    for (const [line, want] of CASES) {
      const cur = wordsOf(line).at(-1)!;
      const hits = want.filter((w) => w.startsWith(cur));
      if (hits.length === 1) {
        // One candidate: inserted on the line.
        await tab(t, line, new RegExp(`READY> ${esc(line.slice(0, line.length - cur.length) + hits[0]!)}`));
        continue;
      }
      // Several: listed under the line (each as a word of the listing).
      const text = await tab(t, line, new RegExp(`${esc(hits.at(-1)!)}(\\s|$)`));
      const listing = text.slice(text.indexOf(line) + line.length);
      for (const w of hits) assert.match(listing, new RegExp(`(^|\\s)${esc(w)}(\\s|$)`), `${line}: ${w}`);
    }
  } finally {
    t.kill();
  }
});

test('zsh: an odd name is inserted quoted, as one word', async () => {
  const t = await zsh(odd, env());
  try {
    await tab(t, 'atmos-auth login --identity it', /READY> atmos-auth login --identity it\\'s\\ a\/b\\ c/);
    await tab(t, 'atmos-auth login --identity \\$', /READY> atmos-auth login --identity \\\$\\\(touch\\ pwned\\\)\/x\\"y/);
  } finally {
    t.kill();
  }
});

/** Options of `atmos-auth <path> --help` as yargs prints them: name -> type, negatable, short, choices. */
function helpFlags(path: string[]): Map<string, { type: string; negatable: boolean; short?: string; choices?: string[] }> {
  const r = cli([...path, '--help']);
  assert.is(r.code, 0, r.stderr);
  const text = r.stdout.slice(r.stdout.indexOf('Options:'));
  const out = new Map<string, { type: string; negatable: boolean; short?: string; choices?: string[] }>();
  // An option's first line is indented 2 (6 beside a `-s, --stack`); its wrapped text far more.
  const blocks = text.split(/\n(?= {2,6}(?:-\w, )?--[\w-])/).slice(1);
  for (const b of blocks) {
    const m = /^ {2,6}(?:-(\w), )?--([\w-]+)/.exec(b)!;
    const flat = b.replace(/\s+/g, ' ');
    const type = /\[(boolean|string|array)\]/.exec(flat)?.[1] ?? '?';
    const choices = /\[choices: ([^\]]+)\]/.exec(flat)?.[1]?.split(', ').map((c) => c.replace(/^"|"$/g, ''));
    out.set(m[2]!, { type, negatable: type === 'boolean' && /\[default: true\]/.test(flat), ...(m[1] ? { short: m[1] } : {}), ...(choices ? { choices } : {}) });
  }
  return out;
}

test('the completion table is the yargs command table: every command, subcommand and flag of --help', () => {
  const top = cli(['--help']).stdout;
  const listed = [...top.matchAll(/^ {2}atmos-auth ([\w-]+)/gm)].map((m) => m[1]);
  assert.equal(sorted(Object.keys(COMMANDS)), sorted(listed as string[]));
  const check = (path: string[], spec: CommandSpec) => {
    const help = helpFlags(path);
    help.delete('help');
    help.delete('version');
    assert.equal(sorted(Object.keys(spec.flags)), sorted([...help.keys()]), path.join(' '));
    for (const [name, f] of Object.entries(spec.flags)) {
      const h = help.get(name)!;
      assert.is(f.values === undefined ? 'boolean' : 'string', h.type, `${path.join(' ')} --${name}`);
      assert.is(!!f.negatable, h.negatable, `${path.join(' ')} --${name} negatable`);
      assert.is(f.short, h.short, `${path.join(' ')} --${name} alias`);
      if (h.choices) assert.equal(sorted(f.values as string[]), sorted(h.choices), `${path.join(' ')} --${name} choices`);
    }
    if (spec.subcommands) {
      const subs = [...cli([...path, '--help']).stdout.matchAll(new RegExp(`^ {2}atmos-auth ${path.join(' ')} ([\\w-]+)`, 'gm'))].map((m) => m[1]);
      assert.equal(sorted(Object.keys(spec.subcommands)), sorted(subs as string[]), `${path.join(' ')} subcommands`);
      for (const [name, s] of Object.entries(spec.subcommands)) check([...path, name], s);
    }
  };
  for (const [name, spec] of Object.entries(COMMANDS)) check([name], spec);
});

test('__complete: only candidates on stdout, paths left to the shell, silence when it cannot help', () => {
  const run = (args: string[], cwd = acme) => spawnSync(process.execPath, [cliPath, '__complete', ...args], { cwd, env: env({ ATMOS_PROFILE: 'developers' }), encoding: 'utf8' });
  const ok = run(['zsh', '--', 'atmos-auth', 'export', '--format=z']);
  assert.is(ok.stdout, ['values', ...FORMATS.map((f) => `--format=${f}`)].join('\n') + '\n');
  assert.is(run(['bash', '--', 'atmos-auth', 'allow', '']).stdout, 'dirs\n');
  assert.is(run(['bash', '--', 'atmos-auth', 'exec', '--', '']).stdout, 'files\n');
  assert.is(run(['fish', '--', 'atmos-auth', 'export', '--']).stdout.split('\n')[0], 'values');
  assert.match(run(['fish', '--', 'atmos-auth', 'export', '--']).stdout, /\n--format\toutput format\n/);
  // --dir on the line: the candidates of that repository, wherever the shell is.
  const elsewhere = run(['bash', '--', 'atmos-auth', 'login', '--dir', acme, '--profile', 'managers', '--identity', 'plat-p'], tempDir());
  assert.is(elsewhere.stdout, 'values\nplat-prod/terraform\n');
  // Outside a repository, with a broken one, or an unknown profile: no candidate and no message.
  for (const [cwd, profile] of [[tempDir(), 'developers'], [repo({ 'atmos.yaml': 'a: [\n' }), 'x'], [acme, 'nosuch']] as const) {
    const r = spawnSync(process.execPath, [cliPath, '__complete', 'bash', '--', 'atmos-auth', 'login', '--identity', ''], { cwd, env: env({ ATMOS_PROFILE: profile }), encoding: 'utf8' });
    assert.is(r.status, 0);
    assert.ok(r.stdout === '' || r.stdout === 'values\n', r.stdout);
    assert.is(r.stderr, '');
  }
  const bad = run(['nosh', '--', 'atmos-auth', '']);
  assert.is(bad.stdout + bad.stderr, '');
});

test('__complete caches the values like the resolution cache: a new stack or profile shows at the next TAB', () => {
  const h = tempDir('atmos-auth-completion-cache-');
  const root = repo({
    'atmos.yaml': ATMOS_YAML,
    'stacks/orgs/acme/plat/dev.yaml': 'vars: {tenant: plat, environment: use2, stage: dev}\n',
    'profiles/one/atmos.yaml': 'auth: {}\n',
  });
  // Old files and directories (entries are not stored for what changed in the last 2 s).
  const old = new Date(Date.now() - 3600_000);
  const age = (p: string) => { utimesSync(p, old, old); };
  const walk = (d: string) => { for (const e of readdirSync(d, { withFileTypes: true })) { const p = join(d, e.name); if (e.isDirectory()) walk(p); age(p); } };
  walk(root);
  age(root);
  const tab = (...words: string[]) => spawnSync(process.execPath, [cliPath, '__complete', 'bash', '--', 'atmos-auth', ...words], { cwd: root, env: env({ HOME: h, XDG_CONFIG_HOME: join(h, '.config') }), encoding: 'utf8' }).stdout;
  assert.is(tab('resolve', '-s', ''), 'values\nplat-use2-dev\n');
  assert.is(tab('login', '--profile', ''), 'values\none\n');
  assert.ok(readdirSync(join(h, '.cache/atmos-auth/complete/stack/resolve')).length === 1, 'the stack list is cached');
  assert.is(tab('resolve', '-s', ''), 'values\nplat-use2-dev\n');
  writeFileSync(join(root, 'stacks/orgs/acme/plat/prod.yaml'), 'vars: {tenant: plat, environment: use2, stage: prod}\n');
  mkdirSync(join(root, 'profiles/two'));
  assert.is(tab('resolve', '-s', ''), 'values\nplat-use2-dev\nplat-use2-prod\n');
  assert.is(tab('login', '--profile', ''), 'values\none\ntwo\n');
});

test('atmos-auth completion SHELL prints the script running this CLI; an unknown shell is a usage error', () => {
  for (const s of ['zsh', 'bash', 'fish']) {
    const r = cli(['completion', s]);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, /__complete/);
    assert.not.match(r.stdout, /@ATMOS_AUTH_/);
  }
  const u = cli(['completion', 'tcsh']);
  assert.is(u.code, 2);
  assert.match(u.stderr, /choices/i);
});

test('the scripts with an odd CLI path: shellcheck, zsh -n and fish -n accept them', () => {
  const cmd = ['/opt/node with space/bin/node', "/it's/atmos-auth.mjs"];
  for (const shell of ['bash', 'zsh', 'fish'] as const) {
    const f = join(scripts, `odd.${shell}`);
    writeFileSync(f, renderScript(`completion.${shell}`, shell, cmd));
    const r = shell === 'bash' ? spawnSync('shellcheck', ['-s', 'bash', f], { encoding: 'utf8' }) : spawnSync(shell, ['-n', f], { encoding: 'utf8' });
    assert.is(r.stdout + r.stderr, '', shell);
    assert.is(r.status, 0, shell);
  }
});

test.run();
