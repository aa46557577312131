// Issue 11 §2: a repository file that is not a regular file, is too big, links out of the
// repository, or makes resolution explode must not stall `export` (the hook runs it on every `cd`).
// A repository that is not allowed is never parsed by the hook (test/trust/no-read.test.ts), so
// each row allows a copy of examples/acme, then damages it as a `git pull` could, and runs the
// built CLI with stdin an open pipe; a kill timer
// (KILL_MS) turns a hang into a failure. Every hostile row fails on the build before the fix
// (checked with ATMOS_AUTH_TEST_CLI=<old dist> ATMOS_AUTH_TEST_KILL_MS=4000): glob imports of
// devices, FIFOs and /dev/stdin, the bombs, the fan-out and the stack-tree link loops hung; FIFOs
// and devices listed directly were skipped without a word (a FIFO atmos.yaml: no repository);
// oversize files and links out of the repository were read.
// Then the same through the hooks of real bash, zsh and fish: the shell keeps working, its
// environment is unchanged, the next prompt comes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { entryPathOf } from '../../src/atmos/parse-cache.ts';
import type { HookShell } from '../../src/shell/scripts.ts';
import { CLI, sandbox, type Sandbox } from '../e2e/helpers.ts';
import { have, hookFile, shells, tempDir } from '../helpers/shells.ts';
import { ageTree, cacheDirs, listFiles } from './helpers.ts';
import { addImport, aliasBomb, KILL_MS, link, mkfifo, oversize, remove, runOpenStdin, write } from './hostile-helpers.ts';

for (const tool of ['mkfifo', ...shells]) assert.ok(have(tool), `${tool} is required (Debian: coreutils, zsh, fish, bash)`);

interface Hostile {
  /** The file stderr must name. */
  file: string;
  /** What the first stderr line must say about it. */
  says: RegExp;
  /** Extra environment (a shorter resolution bound for the explosion rows). */
  env?: Record<string, string>;
}

const DEVICE_OR_LINK = /not a regular file \(a character device\)|symlink leaves the repository \(to \/dev\/zero\)/;
const STDIN_LINK = /symlink leaves the repository \(to \/(dev|proc)\/|not a regular file \(a FIFO\)/;
const FIFO = /not a regular file \(a FIFO\): atmos-auth reads only regular files/;
const TIMEOUT = /gave up after 1 s resolving .*; nothing changed/;
const FAST = { ATMOS_AUTH_RESOLVE_TIMEOUT_MS: '1000' };

const dev = (sb: Sandbox) => sb.stackDir('plat/dev');
const stacks = (sb: Sandbox) => join(sb.acme, 'stacks');
const extraImport = (sb: Sandbox, name: string) => {
  addImport(sb, 'mixins/extra/*');
  return join(stacks(sb), 'mixins/extra', name);
};

/** Hostile repositories: each function breaks a fresh copy and says what must be reported. */
const rows: Record<string, (sb: Sandbox) => Hostile> = {
  'manifest -> /dev/zero': (sb) => {
    const f = join(dev(sb), 'x.yaml');
    link('/dev/zero', f);
    return { file: f, says: DEVICE_OR_LINK };
  },
  'manifest -> /dev/stdin (an open pipe)': (sb) => {
    const f = join(dev(sb), 'x.yaml');
    link('/dev/stdin', f);
    return { file: f, says: STDIN_LINK };
  },
  'manifest is a FIFO': (sb) => {
    const f = join(dev(sb), 'x.yaml');
    mkfifo(f);
    return { file: f, says: FIFO };
  },
  'glob import -> /dev/zero': (sb) => {
    const f = extraImport(sb, 'z.yaml');
    link('/dev/zero', f);
    return { file: f, says: DEVICE_OR_LINK };
  },
  'glob import -> /dev/stdin': (sb) => {
    const f = extraImport(sb, 'z.yaml');
    link('/dev/stdin', f);
    return { file: f, says: STDIN_LINK };
  },
  'glob import is a FIFO': (sb) => {
    const f = extraImport(sb, 'z.yaml');
    mkfifo(f);
    return { file: f, says: FIFO };
  },
  'plain import is a FIFO': (sb) => {
    addImport(sb, 'mixins/extra/fifo');
    const f = join(stacks(sb), 'mixins/extra/fifo.yaml');
    mkfifo(f);
    return { file: f, says: FIFO };
  },
  'atmos.yaml is a FIFO': (sb) => {
    const f = join(sb.acme, 'atmos.yaml');
    remove(f);
    mkfifo(f);
    return { file: f, says: FIFO };
  },
  'atmos.yaml -> /dev/zero': (sb) => {
    const f = join(sb.acme, 'atmos.yaml');
    remove(f);
    link('/dev/zero', f);
    return { file: f, says: DEVICE_OR_LINK };
  },
  'profile file is a FIFO': (sb) => {
    const f = join(sb.acme, 'profiles/developers/zz.yaml');
    mkfifo(f);
    return { file: f, says: FIFO };
  },
  'profile file -> /dev/zero': (sb) => {
    const f = join(sb.acme, 'profiles/developers/atmos.yaml');
    remove(f);
    link('/dev/zero', f);
    return { file: f, says: DEVICE_OR_LINK };
  },
  'atmos.d fragment is a FIFO': (sb) => {
    const f = join(sb.acme, 'atmos.d/extra.yaml');
    mkfifo(f);
    return { file: f, says: FIFO };
  },
  'atmos.d fragment -> /dev/zero': (sb) => {
    const f = join(sb.acme, 'atmos.d/zero.yaml');
    link('/dev/zero', f);
    return { file: f, says: DEVICE_OR_LINK };
  },
  'manifest one byte over the limit (sparse)': (sb) => {
    const f = join(dev(sb), 'x.yaml');
    oversize(f);
    return { file: f, says: /too large \(8388609 bytes\): atmos-auth reads files of at most 8388608 bytes/ };
  },
  'manifest -> a YAML file outside the repository': (sb) => {
    const outside = join(sb.dir, 'outside.yaml');
    writeFileSync(outside, 'vars: {tenant: evil, environment: x, stage: y}\n');
    const f = join(dev(sb), 'x.yaml');
    link(outside, f);
    return { file: f, says: new RegExp(`symlink leaves the repository \\(to ${outside.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\): atmos-auth does not follow it`) };
  },
  'directory link out of the stacks tree': (sb) => {
    const f = join(dev(sb), 'elsewhere');
    link('/usr/share', f);
    return { file: f, says: /symlink leaves the repository \(to \/usr\/share\)/ };
  },
  'alias bomb merged over an imported alias bomb (deep merge explodes)': (sb) => {
    write(join(stacks(sb), 'mixins/lol/a.yaml'), aliasBomb('settings', 12));
    addImport(sb, 'mixins/lol/a');
    const f = join(dev(sb), 'us-east-2.yaml');
    writeFileSync(f, `${readText(f)}\n${aliasBomb('settings', 12)}`);
    return { file: f, says: TIMEOUT, env: FAST };
  },
  'alias bomb in a file js-yaml refuses (expanded by the position parser)': (sb) => {
    const f = join(stacks(sb), 'mixins/lol/slow.yaml');
    write(f, `odd: !custom-tag x\n${aliasBomb('settings', 12)}`);
    addImport(sb, 'mixins/lol/slow');
    return { file: f, says: TIMEOUT, env: FAST };
  },
  'merge-key bomb (js-yaml copies keys: no checkpoint inside, only the vm watchdog stops it)': (sb) => {
    const f = join(stacks(sb), 'mixins/lol/merge.yaml');
    const keys = Array.from({ length: 20_000 }, (_, i) => `k${i}: ${i}`).join(', ');
    write(f, `base: &a {${keys}}\nlist:\n${'  - <<: *a\n'.repeat(20_000)}`);
    addImport(sb, 'mixins/lol/merge');
    return { file: f, says: TIMEOUT, env: FAST };
  },
  'templated imports that fan out (2^40 loads)': (sb) => {
    const dir = join(stacks(sb), 'mixins/fan');
    for (let i = 0; i < 40; i++) {
      const next = `mixins/fan/l${i + 1}.yaml.tmpl`;
      write(join(dir, `l${i}.yaml.tmpl`), `import:\n  - {path: ${next}, context: {n: 1}}\n  - {path: ${next}, context: {n: 2}}\nvars: {}\n`);
    }
    write(join(dir, 'l40.yaml.tmpl'), 'vars: {}\n');
    addImport(sb, '{path: mixins/fan/l0.yaml.tmpl, context: {n: 0}}');
    return { file: join(dir, 'l'), says: /gave up after 1 s resolving .*\/mixins\/fan\/l\d+\.yaml\.tmpl; nothing changed/, env: FAST };
  },
};

const readText = (f: string) => readFileSync(f, 'utf8');

/** An allowed copy of examples/acme whose caches were filled by one run before the damage. */
async function hostileSandbox(): Promise<Sandbox> {
  const sb = sandbox(null);
  ageTree(sb.acme);
  // The resolution and parse caches now hold the good repository (no network: resolve is offline).
  const r = await runOpenStdin([process.execPath, CLI, 'resolve'], { cwd: dev(sb), env: sb.env });
  assert.is(r.code, 0, r.stderr);
  return sb;
}

/** The resolution cache (path -> content): a failed resolve must not write it. */
function resolutionCache(sb: Sandbox): string {
  const d = cacheDirs(sb).resolve;
  return listFiles(d).map((f) => `${f}:${readText(join(d, f))}`).join('\n');
}

for (const [name, make] of Object.entries(rows)) {
  test(`export: ${name}: exit 1, stdout empty, one line naming the file, caches unchanged`, async () => {
    const sb = await hostileSandbox();
    try {
      const before = resolutionCache(sb);
      const h = make(sb);
      const parseEntry = () => { const e = entryPathOf(h.file, cacheDirs(sb).own); return existsSync(e) ? readText(e) : 'absent'; };
      // The entry of a replaced file (atmos.yaml ...) stays as the good file left it; no new one.
      const entryBefore = parseEntry();
      const r = await runOpenStdin([process.execPath, CLI, 'export', '--format', 'bash'], { cwd: dev(sb), env: { ...sb.env, ...h.env } });
      assert.not.ok(r.killed, `export did not return within ${KILL_MS} ms`);
      assert.is(r.code, 1, r.stderr);
      assert.is(r.stdout, '');
      const first = r.stderr.split('\n')[0]!;
      assert.ok(first.startsWith('atmos-auth: ') && first.includes(h.file), first);
      assert.match(first, h.says);
      assert.is(r.stderr.split('\n').filter((l) => l.startsWith('atmos-auth:')).length, 1, r.stderr);
      assert.is(resolutionCache(sb), before, 'the resolution cache is unchanged');
      assert.is(parseEntry(), entryBefore, 'the parse cache entry of the hostile file is unchanged');
    } finally {
      sb.cleanup();
    }
  });
}

/** Rows where the repository stays valid: links kept inside it are followed (as Atmos), loops end. */
const valid: Record<string, (sb: Sandbox) => string | void> = {
  'a directory link out of the repository beside the walk (an ancestor listed, not entered)': (sb) => {
    link('/usr/share', join(dev(sb), 'elsewhere'));
    const sub = join(dev(sb), 'empty-subdir');
    write(join(sub, 'README.md'), 'no manifests here: the stacks of plat/dev apply\n');
    return sub;
  },
  'directory symlink loops in the stacks tree': (sb) => {
    link('..', join(dev(sb), 'up'));
    link('.', join(dev(sb), 'self'));
    link('../../..', join(dev(sb), 'further/up'));
  },
  'directory symlink loop under a ** glob import': (sb) => {
    addImport(sb, 'mixins/extra/**/*');
    link('../region/us-east-2.yaml', join(stacks(sb), 'mixins/extra/inside.yaml'));
    link('..', join(stacks(sb), 'mixins/extra/loop'));
  },
  'an alias bomb alone is not expanded (nothing serialises it)': (sb) => {
    write(join(stacks(sb), 'mixins/lol/a.yaml'), aliasBomb('settings', 12));
    addImport(sb, 'mixins/lol/a');
  },
};

for (const [name, make] of Object.entries(valid)) {
  test(`resolve: ${name}: same answer as the untouched repository`, async () => {
    const sb = sandbox(null, {}, { allow: false });
    try {
      const plain = await runOpenStdin([process.execPath, CLI, 'resolve', '--json'], { cwd: dev(sb), env: sb.env });
      assert.is(plain.code, 0, plain.stderr);
      const cwd = make(sb) ?? dev(sb);
      const r = await runOpenStdin([process.execPath, CLI, 'resolve', '--json'], { cwd, env: sb.env });
      assert.not.ok(r.killed, `resolve did not return within ${KILL_MS} ms`);
      assert.is(r.code, 0, r.stderr);
      const pick = (t: string) => { const j = JSON.parse(t) as { stacks: string[]; identity: string }; return { stacks: j.stacks, identity: j.identity }; };
      assert.equal(pick(r.stdout), pick(plain.stdout));
    } finally {
      sb.cleanup();
    }
  });
}

// ---------------------------------------------------------------------------------------------
// The hooks of real shells.

const prompt: Record<HookShell, string> = {
  zsh: 'for f in $precmd_functions; do $f; done',
  bash: 'for __c in "${PROMPT_COMMAND[@]}"; do eval "$__c"; done',
  fish: 'emit fish_prompt',
};

const show: Record<HookShell, string> = {
  zsh: `show() { local v; for v in "$@"; do if [[ -v $v ]]; then print -r -- "$v=[\${(P)v}]"; else print -r -- "$v=UNSET"; fi; done; }`,
  bash: `show() { local v; for v in "$@"; do if [[ -v $v ]]; then printf '%s=[%s]\\n' "$v" "\${!v}"; else printf '%s=UNSET\\n' "$v"; fi; done; }`,
  fish: `function show; for v in $argv; if set -q $v; printf '%s=[%s]\\n' $v "$$v"; else; printf '%s=UNSET\\n' $v; end; end; end`,
};

const shellArgs = (shell: HookShell, script: string) =>
  shell === 'zsh' ? ['zsh', '-f', '-c', script] : shell === 'bash' ? ['bash', '--norc', '--noprofile', '-c', script] : ['fish', '--no-config', '-c', script];

const hooks = tempDir('atmos-auth-hostile-hooks-');
test.after(() => rmSync(hooks, { recursive: true, force: true }));

const inShells = ['manifest is a FIFO', 'glob import -> /dev/zero', 'glob import -> /dev/stdin', 'profile file is a FIFO', 'alias bomb merged over an imported alias bomb (deep merge explodes)', 'templated imports that fan out (2^40 loads)', 'merge-key bomb (js-yaml copies keys: no checkpoint inside, only the vm watchdog stops it)'];

for (const shell of shells) {
  for (const name of inShells) {
    test(`${shell} hook: ${name}: one message, environment unchanged, the shell goes on`, async () => {
      // Allowed, then damaged (a pull): the hook parses only allowed repositories.
      const sb = sandbox(null);
      try {
        const h = rows[name]!(sb);
        const script = [
          show[shell],
          shell === 'fish' ? 'set -gx AWS_PROFILE mine' : 'export AWS_PROFILE=mine',
          `source ${hookFile(hooks, shell, [process.execPath, CLI])}`,
          `cd ${dev(sb)}`, prompt[shell], prompt[shell],
          'echo ---in', 'show AWS_PROFILE ATMOS_AUTH_IDENTITY AWS_ACCESS_KEY_ID',
          'cd /', prompt[shell],
          'echo ---out', 'show AWS_PROFILE ATMOS_AUTH_IDENTITY',
          // Back in: the hook remembers the failing repository and retries quietly (README "Errors").
          `cd ${dev(sb)}`, prompt[shell],
          'echo ---again', 'show AWS_PROFILE ATMOS_AUTH_IDENTITY',
        ].join('\n');
        const r = await runOpenStdin(shellArgs(shell, script), { cwd: sb.home, env: { ...sb.env, ...h.env }, killMs: KILL_MS * 2 });
        assert.not.ok(r.killed, `the ${shell} hook did not return within ${KILL_MS * 2} ms`);
        assert.is(r.code, 0, r.stderr);
        assert.is(r.stdout, '---in\nAWS_PROFILE=[mine]\nATMOS_AUTH_IDENTITY=UNSET\nAWS_ACCESS_KEY_ID=UNSET\n---out\nAWS_PROFILE=[mine]\nATMOS_AUTH_IDENTITY=UNSET\n---again\nAWS_PROFILE=[mine]\nATMOS_AUTH_IDENTITY=UNSET\n');
        const lines = r.stderr.split('\n').filter((l) => l.startsWith('atmos-auth:'));
        assert.is(lines.length, 1, r.stderr);
        assert.ok(lines[0]!.includes(h.file), r.stderr);
        assert.match(lines[0]!, h.says);
      } finally {
        sb.cleanup();
      }
    });
  }
}

test.run();
