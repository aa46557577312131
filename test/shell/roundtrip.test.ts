// Property-based round trip of every output format through its REAL consumers (fast-check, fixed
// seed: a failure prints the seed and the value; rerun with ATMOS_AUTH_FUZZ_SEED=<seed>).
// Each format gets RUNS batches of BATCH generated values (>= 1,000 in all), drawn to hold quotes,
// backslashes, $(), backticks, ${}, $VAR, newlines, CR, tabs, #, =, blank ends, control characters,
// non-ASCII (BMP, astral, private-use and non-characters), 100 KB strings, empty strings and canary
// payloads that would create a file if anything ran them. A batch is rendered into one file and read
// back by each consumer in one process: bash, zsh, dash (sh), fish (the hooks' `eval`); for dotenv
// bash/zsh/dash `set -a; .`, `node --env-file`, python-dotenv (Debian's python3-dotenv),
// `direnv dotenv json`, and direnv's `dotenv` in an .envrc; JSON.parse; and a GITHUB_ENV reader
// written from GitHub's documented rules. Every value comes back byte for byte, or (NUL, lone
// surrogates; for dotenv and github the documented dialect limits) is refused with an error naming
// the variable; no canary ever appears.
// Needs (Debian): bash zsh dash fish direnv python3-dotenv.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AtmosAuthError } from '../../src/errors.ts';
import { getFormat, type EnvChange } from '../../src/shell/format.ts';
import { readGithubEnv } from '../helpers/github-env.ts';
import { have, tempDir } from '../helpers/shells.ts';

const SEED = Number(process.env.ATMOS_AUTH_FUZZ_SEED ?? 20261201);
const RUNS = 5;
const BATCH = 250;
const PYTHON = '/usr/bin/python3';

const dir = tempDir('atmos-auth-roundtrip-');
const cwd = join(dir, 'cwd');
mkdirSync(cwd);
const canary = join(dir, 'CANARY');
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** Fails (never skips) when a consumer the test needs is missing. */
function need(program: string, pkg: string): void {
  assert.ok(program.startsWith('/') ? existsSync(program) : have(program), `${program} is required: apt-get install ${pkg}`);
}
function nothingRan(where: string): void {
  assert.not.ok(existsSync(canary), `${where}: a value was executed (canary); seed ${SEED}`);
  assert.equal(readdirSync(cwd), [], `${where}: a value was executed (relative canary); seed ${SEED}`);
}

// ---- the generator ----

const payloads = [
  `$(touch ${canary})`, `\`touch ${canary}\``, `;touch ${canary}`, `'; touch ${canary}; '`, `"; touch ${canary}; "`,
  `\\'; touch ${canary}; #`, `'"$(touch ${canary})"'`, `\ntouch ${canary}\n`, `(touch ${canary})`, `{touch,${canary}}`,
  `\${x:-$(touch ${canary})}`, `$(touch CANARY)`, '`touch CANARY`', '; touch CANARY', '(touch CANARY)', "'; touch CANARY; '",
];
const specials = [
  "'", '"', '\\', '$(', ')', '`', '${', '}', '{', '$VAR', '$HOME', '${HOME}', '${HOME:-x}', '$1', '$$', '$', '\n', '\r', '\r\n',
  '\t', '#', ' #', '=', '==', ' ', '  ', '\v', '\f', '\b', '\x1b[31m', '\x01', '\x7f', '\x85', '\u2028', '\u2029', '\ufeff',
  'é', 'e\u0301', '中文', '😀', '\u{10FFFF}', '\uf600', '\uf8ff', '\ufdd0', '\ufffe', '\uffff', 'export ', 'EOF', '\\n',
  '\\t', "\\'", '\\"', '\\$', '\\\\', '!', '!!', '*', '?', '~', ';', '&', '|', '<', '>', '<<', '[', ']', '%', '%s', 'V0=x',
  'ATMOS_AUTH_EOF_', '::add-mask::', '#!', '0', 'a', '-e', '--',
];
const piece = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom(...specials) },
  { weight: 3, arbitrary: fc.constantFrom(...payloads) },
  { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 4 }) },
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 8 }) },
);
const pieces = (max: number) => fc.array(piece, { maxLength: max }).map((a) => a.join(''));
/** About 100 KB of UTF-8 (kept under Linux's 128 KiB limit for one environment string). */
const long = fc.array(piece, { minLength: 1, maxLength: 6 }).map((a) => {
  const unit = a.join('') || 'x';
  return unit.repeat(Math.ceil(100_000 / Buffer.byteLength(unit)));
});
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
/** Hostile values; about one in twenty holds a NUL or a lone surrogate (refused by every format). */
const value = fc.oneof(
  { weight: 40, arbitrary: pieces(12) },
  { weight: 4, arbitrary: pieces(6).map((s) => ` ${s} `) },
  { weight: 2, arbitrary: fc.constantFrom('', ' ', '\t', '\n', "'", '\\') },
  { weight: 1, arbitrary: long },
  { weight: 3, arbitrary: fc.tuple(pieces(6), fc.oneof(loneSurrogate, fc.constant('\0')), pieces(6)).map((t) => t.join('')) },
);

interface Tally { ok: number; refused: number }
/** A failure names the seed; no shrinking (each try would start real shells): the message names the value. */
function check(property: fc.IProperty<[string[]]>, tally: Tally): void {
  const r = fc.check(property, { seed: SEED, numRuns: RUNS, endOnFailure: true });
  if (process.env.ATMOS_AUTH_FUZZ_VERBOSE) console.error(`${tally.ok} written, ${tally.refused} refused`);
  // fast-check's own report would print the whole batch (megabytes): the error names the value.
  if (r.failed) assert.unreachable(`seed ${SEED}, path ${r.counterexamplePath}: ${r.errorInstance instanceof Error ? r.errorInstance.message : String(r.errorInstance)}`);
}
const batch = fc.array(value, { minLength: BATCH, maxLength: BATCH });

// ---- oracles, restated from the README's dialect (not taken from the code under test) ----

/** No environment variable can hold it (every format refuses it). */
const unrepresentable = (v: string) => v.includes('\0') || /\p{Cs}/u.test(v);
/** The documented dotenv dialect refuses it. */
const dotenvRefuses = (v: string) => unrepresentable(v) || /[\n\r]/.test(v) || v.includes('${') || v.includes('\\\\')
  || v.endsWith('\\') || (v.includes("'") && /["$`\\]/.test(v));
/** The github format refuses it (a trailing CR is lost on Windows runners). */
const githubRefuses = (v: string) => unrepresentable(v) || v.endsWith('\r');

const name = (i: number) => `V${i}`;
const changeOf = (vals: string[]): EnvChange => ({ set: Object.fromEntries(vals.map((v, i) => [name(i), v])), unset: ['GONE'] });
const show = (v: string | undefined) => (v === undefined ? 'undefined' : v.length > 200 ? `${JSON.stringify(v.slice(0, 200))}... (${v.length} chars)` : JSON.stringify(v));

/**
 * Renders each value alone in `format`: those `refuses` says cannot be written must throw an
 * AtmosAuthError naming the variable (never showing the value), the others must render. Returns
 * the values that render.
 */
function split(format: string, vals: string[], refuses: (v: string) => boolean, tally: Tally): string[] {
  const ok: string[] = [];
  vals.forEach((v, i) => {
    let err: unknown;
    try {
      getFormat(format).render({ set: { [name(i)]: v }, unset: [] });
    } catch (e) {
      err = e;
    }
    if (refuses(v)) {
      assert.instance(err, AtmosAuthError, `${format} must refuse ${show(v)} (seed ${SEED})`);
      const msg = (err as AtmosAuthError).render();
      assert.ok(msg.startsWith(`${name(i)}: `), `${format}: the refusal names the variable: ${msg}`);
      if (v.length > 3) assert.not.ok(msg.includes(v), 'the refusal does not show the value');
      tally.refused++;
    } else {
      assert.is(err, undefined, `${format} must write ${show(v)}: ${String(err)} (seed ${SEED})`);
      ok.push(v);
      tally.ok++;
    }
  });
  if (ok.length < vals.length) {
    // One refused value refuses the whole change: nothing is half written.
    assert.throws(() => getFormat(format).render(changeOf(vals)), (e: unknown) => e instanceof AtmosAuthError, `${format}: the batch is refused`);
  }
  return ok;
}

/** Compares what a consumer read back with what was written, naming the first value that differs. */
function same(where: string, got: Record<string, string | undefined>, vals: string[]): void {
  vals.forEach((v, i) => {
    if (got[name(i)] !== v) assert.unreachable(`${where}: ${name(i)} written as ${show(v)}, read back as ${show(got[name(i)])} (seed ${SEED})`);
  });
  const extra = Object.keys(got).filter((k) => !/^V\d+$/.test(k) || Number(k.slice(1)) >= vals.length);
  assert.equal(extra, [], `${where}: no other variable is defined`);
}

function run(cmd: string, argv: string[], opts: SpawnSyncOptions = {}): string {
  const r = spawnSync(cmd, argv, { cwd, encoding: 'utf8', maxBuffer: 1 << 28, env: { PATH: process.env.PATH, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' }, ...opts });
  assert.is(r.error, undefined, `${cmd}: ${String(r.error)}`);
  assert.is(r.stderr, '', `${cmd} stderr (seed ${SEED}): ${show(r.stderr as string)}`);
  assert.is(r.status, 0, `${cmd} status`);
  return r.stdout as string;
}

/** Reads NUL-terminated `S<value>` (set) or `` (unset) entries for V0..Vn-1, then GONE. */
function readMarked(out: string, n: number): Record<string, string> {
  const entries = out.split('\0');
  assert.is(entries.length, n + 2, 'one entry per variable');
  const got: Record<string, string> = {};
  entries.slice(0, n + 1).forEach((e, i) => {
    if (e.startsWith('S')) got[i < n ? name(i) : 'GONE'] = e.slice(1);
    else assert.is(e, '', 'an unset variable prints nothing');
  });
  return got;
}

/** POSIX shell code that prints V0..Vn-1 and GONE as readMarked expects. */
const posixPrint = (n: number) => `printf '%s\\0' ${[...Array.from({ length: n }, (_, i) => name(i)), 'GONE'].map((k) => `"\${${k}+S}\${${k}-}"`).join(' ')}`;
const fishPrint = (n: number) => `for n in ${[...Array.from({ length: n }, (_, i) => name(i)), 'GONE'].join(' ')}; if set -q $n; printf 'S%s\\0' "$$n"; else; printf '\\0'; end; end`;

// ---- shells: what the hooks do with `atmos-auth export` output ----

const shellCases = [
  { format: 'bash', shell: 'bash', pkg: 'bash', argv: ['--norc', '--noprofile', '-c'] },
  { format: 'zsh', shell: 'zsh', pkg: 'zsh', argv: ['-f', '-c'] },
  { format: 'sh', shell: 'dash', pkg: 'dash', argv: ['-c'] },
  { format: 'fish', shell: 'fish', pkg: 'fish', argv: ['--no-config', '-c'] },
] as const;

for (const c of shellCases) {
  test(`${c.format} format through ${c.shell}: ${RUNS * BATCH} generated values come back exactly or are refused, nothing runs`, () => {
    need(c.shell, c.pkg);
    const tally = { ok: 0, refused: 0 };
    check(fc.property(batch, (vals) => {
      const ok = split(c.format, vals, unrepresentable, tally);
      const file = join(dir, `in.${c.format}`);
      const text = getFormat(c.format).render(changeOf(ok));
      assert.is(Buffer.from(text, 'utf8').toString('utf8'), text, 'well-formed UTF-8');
      writeFileSync(file, text);
      // As the hooks do it: the whole output in a variable, then eval.
      const script = c.shell === 'fish'
        ? `set out (cat ${file} | string collect); eval $out; or exit 9; ${fishPrint(ok.length)}`
        : `out=$(cat ${file}) && eval "$out" || exit 9; ${posixPrint(ok.length)}`;
      // In a UTF-8 locale and in C (bytes), where a hook may well run.
      for (const locale of ['C.UTF-8', 'C']) {
        const out = run(c.shell, [...c.argv, script], { env: { PATH: process.env.PATH, LANG: locale, LC_ALL: locale, GONE: 'x' } });
        same(`${c.shell} (LC_ALL=${locale})`, readMarked(out, ok.length), ok);
        nothingRan(c.shell);
      }
    }), tally);
    assert.ok(tally.ok >= RUNS * BATCH * 0.85, `most values are written (${tally.ok})`);
    assert.ok(tally.refused > 0, `the refusal branch is exercised (${tally.refused})`);
  });
}

// ---- dotenv: every reader the dialect targets ----

test(`dotenv format: ${RUNS * BATCH} generated values read back exactly by bash, zsh, dash, node, python-dotenv and direnv, or refused`, () => {
  for (const [p, pkg] of [['bash', 'bash'], ['zsh', 'zsh'], ['dash', 'dash'], ['direnv', 'direnv'], [PYTHON, 'python3-dotenv']]) need(p!, pkg!);
  assert.is(spawnSync(PYTHON, ['-c', 'import dotenv']).status, 0, 'python-dotenv is required: apt-get install python3-dotenv');
  const home = join(dir, 'home');
  const envrcDir = join(dir, 'envrc');
  mkdirSync(home);
  mkdirSync(envrcDir);
  const file = join(dir, 'in.env');
  const direnvEnv = { PATH: process.env.PATH, HOME: home, DIRENV_LOG_FORMAT: '', XDG_CONFIG_HOME: join(home, '.config'), XDG_DATA_HOME: join(home, '.local/share'), XDG_CACHE_HOME: join(home, '.cache'), LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' };
  writeFileSync(join(envrcDir, '.envrc'), `dotenv ${file}\n`);
  run('direnv', ['allow', envrcDir], { env: direnvEnv });
  const tally = { ok: 0, refused: 0 };
  check(fc.property(batch, (vals) => {
    const ok = split('dotenv', vals, dotenvRefuses, tally);
    const text = getFormat('dotenv').render(changeOf(ok));
    assert.is(Buffer.from(text, 'utf8').toString('utf8'), text, 'well-formed UTF-8');
    writeFileSync(file, text);
    for (const [shell, argv] of [['bash', ['--norc', '--noprofile', '-c']], ['zsh', ['-f', '-c']], ['dash', ['-c']]] as const) {
      const out = run(shell, [...argv, `set -a; . ${file} || exit 9; ${posixPrint(ok.length)}`]);
      const got = readMarked(out, ok.length);
      same(`set -a; . in ${shell}`, got, ok);
      nothingRan(shell);
    }
    const pick = 'const o = {}; for (const [k, v] of Object.entries(process.env)) if (/^V\\d+$/.test(k)) o[k] = v; process.stdout.write(JSON.stringify(o))';
    same('node --env-file', JSON.parse(run(process.execPath, [`--env-file=${file}`, '-e', pick])) as Record<string, string>, ok);
    const py = 'import dotenv, json, sys; sys.stdout.write(json.dumps(dotenv.dotenv_values(sys.argv[1])))';
    same('python-dotenv', JSON.parse(run(PYTHON, ['-c', py, file], { env: { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' } })) as Record<string, string>, ok);
    same('direnv dotenv json', JSON.parse(run('direnv', ['dotenv', 'json', file], { env: direnvEnv })) as Record<string, string>, ok);
    // The .envrc route: direnv's stdlib `dotenv` evals `direnv dotenv bash` output in bash. It
    // takes seconds per 100 KB value (direnv's export, not its parser, which read every value
    // above), so the long ones stay out of this leg.
    const short = ok.filter((v) => v.length < 10_000);
    writeFileSync(file, getFormat('dotenv').render(changeOf(short)));
    const exported = JSON.parse(run('direnv', ['export', 'json'], { cwd: envrcDir, env: direnvEnv }) || '{}') as Record<string, string | null>;
    const vars = Object.fromEntries(Object.entries(exported).filter(([k]) => !k.startsWith('DIRENV_'))) as Record<string, string>;
    same('.envrc dotenv', vars, short);
    nothingRan('dotenv readers');
  }), tally);
  assert.ok(tally.ok >= RUNS * BATCH * 0.3, `a good share of the values is written (${tally.ok})`);
  assert.ok(tally.refused >= RUNS * BATCH * 0.05, `the refusal branch is exercised (${tally.refused})`);
});

// ---- json ----

test(`json format: ${RUNS * BATCH} generated values parse back exactly (unset as null) or are refused`, () => {
  const tally = { ok: 0, refused: 0 };
  check(fc.property(batch, (vals) => {
    const ok = split('json', vals, unrepresentable, tally);
    const text = getFormat('json').render(changeOf(ok));
    assert.is(Buffer.from(text, 'utf8').toString('utf8'), text, 'well-formed UTF-8');
    const parsed = JSON.parse(Buffer.from(text, 'utf8').toString('utf8')) as Record<string, string | null>;
    assert.is(parsed.GONE, null);
    delete parsed.GONE;
    same('JSON.parse', parsed as Record<string, string>, ok);
  }), tally);
  assert.ok(tally.refused > 0 && tally.ok >= RUNS * BATCH * 0.85, `both branches (${tally.ok} written, ${tally.refused} refused)`);
});

// ---- github ----

test(`github format: ${RUNS * BATCH} generated values read back exactly by the GITHUB_ENV rules (Linux and Windows runner), or refused`, () => {
  const tally = { ok: 0, refused: 0 };
  check(fc.property(batch, (vals) => {
    const ok = split('github', vals, githubRefuses, tally);
    const text = getFormat('github').render(changeOf(ok));
    assert.is(Buffer.from(text, 'utf8').toString('utf8'), text, 'well-formed UTF-8');
    // Appended after a previous step's line that lacks its line end.
    for (const windows of [false, true]) {
      const got = readGithubEnv(`EARLIER=value${text}`, windows);
      assert.is(got.EARLIER, 'value', 'the earlier line is untouched');
      assert.is(got.GONE, '', 'an unset variable becomes empty');
      delete got.EARLIER;
      delete got.GONE;
      same(windows ? 'GITHUB_ENV (Windows runner)' : 'GITHUB_ENV', got, ok);
    }
  }), tally);
  assert.ok(tally.refused > 0 && tally.ok >= RUNS * BATCH * 0.85, `both branches (${tally.ok} written, ${tally.refused} refused)`);
});

test.run();
