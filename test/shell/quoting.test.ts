// The formats' quoting, case by case: the documented dotenv dialect (each refusal with the reader
// that needs it), NUL and lone surrogates in every format, what becomes of unsets, and the github
// format's block framing. The generated round trip through the real consumers is
// test/shell/roundtrip.test.ts; this file pins the documented choices with readable examples.
// Needs (Debian): bash zsh dash direnv python3-dotenv.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AtmosAuthError } from '../../src/errors.ts';
import { formatNames, getFormat, type EnvChange } from '../../src/shell/format.ts';
import { have, tempDir } from '../helpers/shells.ts';

const PYTHON = '/usr/bin/python3';
const dir = tempDir('atmos-auth-quoting-');
const cwd = join(dir, 'cwd');
mkdirSync(cwd);
test.after(() => rmSync(dir, { recursive: true, force: true }));
const env = { PATH: process.env.PATH, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', HOME: dir };

function need(program: string, pkg: string): void {
  assert.ok(program.startsWith('/') ? existsSync(program) : have(program), `${program} is required: apt-get install ${pkg}`);
}

/** What a reader makes of dotenv `text`: name -> value. */
function readDotenv(reader: 'bash' | 'zsh' | 'dash' | 'node' | 'python' | 'direnv', text: string, names: string[]): Record<string, string> {
  const file = join(dir, `q.${reader}.env`);
  writeFileSync(file, text);
  const run = (cmd: string, argv: string[]) => {
    const r = spawnSync(cmd, argv, { cwd, env, encoding: 'utf8' });
    assert.is(r.stderr, '', `${reader} stderr`);
    assert.is(r.status, 0, `${reader} status`);
    return r.stdout;
  };
  if (reader === 'node') {
    return JSON.parse(run(process.execPath, [`--env-file=${file}`, '-e', `process.stdout.write(JSON.stringify(Object.fromEntries(${JSON.stringify(names)}.map((k) => [k, process.env[k]]))))`])) as Record<string, string>;
  }
  if (reader === 'python') return JSON.parse(run(PYTHON, ['-c', 'import dotenv, json, sys; print(json.dumps(dotenv.dotenv_values(sys.argv[1])))', file])) as Record<string, string>;
  if (reader === 'direnv') return JSON.parse(run('direnv', ['dotenv', 'json', file])) as Record<string, string>;
  // A child process's environment, so `set -a` must have exported them.
  const argv = reader === 'bash' ? ['--norc', '--noprofile', '-c'] : reader === 'zsh' ? ['-f', '-c'] : ['-c'];
  const out = run(reader, [...argv, `set -a; . ${file} || exit 9; env -0`]);
  return Object.fromEntries(out.split('\0').filter((e) => names.includes(e.slice(0, e.indexOf('=')))).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
}
const readers = ['bash', 'zsh', 'dash', 'node', 'python', 'direnv'] as const;

function refusal(format: string, change: EnvChange): AtmosAuthError {
  try {
    getFormat(format).render(change);
  } catch (err) {
    assert.instance(err, AtmosAuthError);
    return err as AtmosAuthError;
  }
  assert.unreachable(`${format} should have refused ${JSON.stringify(change)}`);
  throw new Error('unreachable');
}

test('dotenv: the issue\'s stack name with backticks is data for every reader (set -a; . in bash runs nothing)', () => {
  for (const [p, pkg] of [['bash', 'bash'], ['zsh', 'zsh'], ['dash', 'dash'], ['direnv', 'direnv'], [PYTHON, 'python3-dotenv']] as const) need(p, pkg);
  const canary = join(dir, 'x');
  const stack = `ue2\`touch ${canary}\`-$(touch ${canary})-"q"-#-=-é`;
  const text = getFormat('dotenv').render({ set: { ATMOS_AUTH_STACK: stack }, unset: [] });
  assert.is(text, `ATMOS_AUTH_STACK='${stack}'\n`);
  for (const r of readers) assert.is(readDotenv(r, text, ['ATMOS_AUTH_STACK']).ATMOS_AUTH_STACK, stack, r);
  assert.not.ok(existsSync(canary), 'nothing ran');
  assert.equal(readdirSync(cwd), []);
});

test('dotenv: a value with \' (and none of " $ ` \\) is written in double quotes, read alike by every reader', () => {
  const root = "/home/o'brien/infra repo/#1";
  const text = getFormat('dotenv').render({ set: { ATMOS_AUTH_ROOT: root, AWS_REGION: 'us-east-2' }, unset: [] });
  assert.is(text, `ATMOS_AUTH_ROOT="${root}"\nAWS_REGION='us-east-2'\n`);
  for (const r of readers) assert.equal(readDotenv(r, text, ['ATMOS_AUTH_ROOT', 'AWS_REGION']), { ATMOS_AUTH_ROOT: root, AWS_REGION: 'us-east-2' }, r);
});

// Each refused kind of value, with what the old double-quoted output (or the plain single quotes)
// made of it somewhere: the reason the dialect refuses it instead of writing it.
const refused: { value: string; reason: RegExp; naive: string; reader: (typeof readers)[number] }[] = [
  { value: 'a\nb', reason: /newline/, naive: "X='a\nb'", reader: 'direnv' },
  { value: 'a\rb', reason: /carriage return/, naive: "X='a\rb'", reader: 'python' },
  { value: 'ue2-${HOME}', reason: /`\$\{`/, naive: "X='ue2-${HOME}'", reader: 'python' },
  { value: 'a\\\\b', reason: /backslash/, naive: "X='a\\\\b'", reader: 'python' },
  { value: 'dir\\', reason: /backslash/, naive: "X='dir\\'\nY='z'", reader: 'python' },
  { value: "it's $5", reason: /`'` together with/, naive: `X="it's $5"`, reader: 'bash' },
  { value: 'it\'s `x`', reason: /`'` together with/, naive: "X='it'\\''s `x`'", reader: 'node' },
];

test('dotenv: each documented refusal names the variable and the reason, never the value; the naive quoting is read differently', () => {
  for (const c of refused) {
    const err = refusal('dotenv', { set: { AWS_REGION: 'us-east-2', ATMOS_AUTH_STACK: c.value }, unset: [] });
    const msg = err.render();
    assert.match(msg, /^ATMOS_AUTH_STACK: value contains /, msg);
    assert.match(msg, c.reason, msg);
    assert.match(msg, /--format json or bash/);
    assert.not.ok(msg.includes(c.value), 'the value is not shown');
    // Why: at least one reader does not give the value back from the naive quoting.
    let got: string | undefined;
    try {
      got = readDotenv(c.reader, `${c.naive}\n`, ['X']).X;
    } catch {
      got = undefined; // the reader failed outright (direnv: "invalid line"; python: a warning)
    }
    assert.is.not(got, c.value, `${c.reader} reads ${JSON.stringify(c.naive)} as the value: the refusal would be needless`);
  }
});

test('dotenv: unsets are left out (a dotenv file cannot remove a variable); nothing to set is no output', () => {
  assert.is(getFormat('dotenv').render({ set: { A: 'x' }, unset: ['AWS_PROFILE'] }), "A='x'\n");
  assert.is(getFormat('dotenv').render({ set: {}, unset: ['AWS_PROFILE'] }), '');
});

test('every format refuses NUL and lone surrogates, naming the variable, with nothing rendered', () => {
  assert.equal([...formatNames].sort(), ['bash', 'dotenv', 'fish', 'github', 'json', 'sh', 'zsh']);
  for (const f of formatNames) {
    for (const [bad, what] of [['ue2\0x', /NUL/], ['ue2\ud800x', /lone UTF-16 surrogate/], ['\udc00', /lone UTF-16 surrogate/]] as const) {
      const msg = refusal(f, { set: { AWS_REGION: 'us-east-2', ATMOS_AUTH_STACK: bad }, unset: ['AWS_PROFILE'] }).render();
      assert.match(msg, /^ATMOS_AUTH_STACK: value contains /, `${f}: ${msg}`);
      assert.match(msg, what, `${f}: ${msg}`);
    }
    // A well-formed surrogate pair (astral character) is fine.
    assert.ok(getFormat(f).render({ set: { X: '😀\u{10FFFF}' }, unset: [] }).includes('😀\u{10FFFF}'), f);
  }
});

test('github: each value in a NAME<<DELIM block with a fresh random delimiter; the text starts with an empty line', () => {
  const text = getFormat('github').render({ set: { A: 'x', B: 'ATMOS_AUTH_EOF_\nB=evil' }, unset: ['AWS_PROFILE'] });
  const m = /^\nA<<(ATMOS_AUTH_EOF_[0-9a-f]{24})\nx\n\1\nB<<(ATMOS_AUTH_EOF_[0-9a-f]{24})\nATMOS_AUTH_EOF_\nB=evil\n\2\nAWS_PROFILE<<(ATMOS_AUTH_EOF_[0-9a-f]{24})\n\n\3\n$/.exec(text);
  assert.ok(m, JSON.stringify(text));
  assert.is(new Set(m.slice(1)).size, 3, 'one delimiter per block');
  // A value ending in CR would lose it on a Windows runner (its line end is CRLF there).
  const msg = refusal('github', { set: { A: 'x\r' }, unset: [] }).render();
  assert.match(msg, /^A: value ends with a carriage return/);
  assert.ok(getFormat('github').render({ set: { A: 'x\ry\r\nz' }, unset: [] }).includes('\nx\ry\r\nz\n'), 'other CRs are kept');
});

test('json: unsets are null; the text is plain JSON', () => {
  assert.equal(JSON.parse(getFormat('json').render({ set: { A: 'é\n"' }, unset: ['B'] })), { A: 'é\n"', B: null });
});

test.run();
