// The hot path's hand-written pieces: the SHA-256 that spares loading node:crypto on a warm `cd`
// must give the same digests (cache file names depend on it), the fast name hash must spread, and the argv parser must take what
// yargs takes for the hook's invocations and hand anything unusual back to yargs (null).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFast } from '../../src/fast-path.ts';
import { nameHash } from '../../src/util/name-hash.ts';
import { sha256Hex } from '../../src/util/sha256.ts';

test('sha256Hex equals node:crypto for edge lengths, unicode and random text', () => {
  const samples = ['', 'a', 'abc', 'x'.repeat(55), 'x'.repeat(56), 'x'.repeat(63), 'x'.repeat(64), 'x'.repeat(65), 'x'.repeat(1000), 'plat-dev/terraform', 'é€𝄞\u0000\n'];
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let i = 0; i < 200; i++) samples.push(Array.from({ length: Math.floor(rnd() * 300) }, () => String.fromCodePoint(Math.floor(rnd() * 0x2ffff))).join(''));
  for (const s of samples) assert.is(sha256Hex(s), createHash('sha256').update(s, 'utf8').digest('hex'), JSON.stringify(s.slice(0, 20)));
});

test('nameHash: 16 hex digits, stable, no collision over 20,000 similar paths', () => {
  assert.match(nameHash(''), /^[0-9a-f]{16}$/);
  assert.is(nameHash('/repo/stacks/a.yaml'), nameHash('/repo/stacks/a.yaml'));
  const seen = new Map<string, string>();
  for (let t = 0; t < 200; t++) {
    for (let s = 0; s < 100; s++) {
      const p = `/work/repo/stacks/orgs/acme/t${String(t).padStart(3, '0')}/s${s}/us-east-${s % 3}.yaml`;
      const h = nameHash(p);
      assert.is(seen.get(h), undefined, `${p} collides with ${seen.get(h)}`);
      seen.set(h, p);
    }
  }
});

test('writeFd: a broken stderr (EPIPE) is ignored, stdout still written', () => {
  const stdio = new URL('../../src/util/stdio.ts', import.meta.url).pathname;
  // stderr goes to a pipe whose reader (`true`) has exited by the time the script writes.
  const script = `const { writeFd } = await import(${JSON.stringify(stdio)}); await new Promise((r) => setTimeout(r, 300)); writeFd(2, 'notice\\n'.repeat(20000)); writeFd(1, 'answer\\n');`;
  const dir = mkdtempSync(join(tmpdir(), 'atmos-auth-stdio-'));
  const out = join(dir, 'out');
  const r = spawnSync('bash', ['-c', `"$NODE" --input-type=module -e "$SCRIPT" 2>&1 >"$OUT" | true; echo "status=\${PIPESTATUS[0]}"`], {
    encoding: 'utf8',
    env: { ...process.env, NODE: process.execPath, SCRIPT: script, OUT: out },
  });
  assert.match(r.stdout, /status=0/, r.stderr);
  assert.is(readFileSync(out, 'utf8'), 'answer\n');
  rmSync(dir, { recursive: true, force: true });
});

const exportCmd = { options: { dir: 'string', profile: 'string', identity: 'string', format: 'string', login: 'boolean', mode: 'string' }, negatable: ['login'], run: async () => 0 } as const;
const cpCmd = { options: { identity: 'string', profile: 'string', root: 'string', target: 'string' }, oneOf: ['identity', 'target'], run: async () => 0 } as const;

test('parseFast: the forms the hooks and SDKs use', () => {
  assert.equal(parseFast(exportCmd, ['--format', 'zsh']), { format: 'zsh' });
  assert.equal(parseFast(exportCmd, ['--format=fish', '--no-login']), { format: 'fish', login: false });
  assert.equal(parseFast(exportCmd, ['--login', '--dir', '/a b', '--profile=x,y']), { login: true, dir: '/a b', profile: 'x,y' });
  assert.equal(parseFast(exportCmd, ['--identity=a=b']), { identity: 'a=b' });
  assert.equal(parseFast(cpCmd, ['--target', 'eyJ2IjoxfQ']), { target: 'eyJ2IjoxfQ' });
  assert.equal(parseFast(cpCmd, ['--identity', 'plat-dev/terraform', '--root', '/r']), { identity: 'plat-dev/terraform', root: '/r' });
});

test('parseFast: anything unusual goes to yargs (null)', () => {
  for (const args of [
    ['--help'], ['-h'], ['--format'], ['--format', '--no-login'], ['--unknown', 'x'], ['positional'],
    ['--login=false'], ['--no-format'], ['--format', '-x'],
  ]) assert.is(parseFast(exportCmd, args), null, args.join(' '));
  assert.is(parseFast(cpCmd, ['--profile', 'p']), null, 'identity or target is required');
});

// Last in this file: the miss stays recorded for the rest of the process.
test('a HotMiss caught on the way still stops stdout (hot-state)', async () => {
  const { assertNoHotMiss, hotMissed, noteHotMiss } = await import('../../src/util/hot-state.ts');
  const { writeStdout } = await import('../../src/util/stdio.ts');
  assert.not.ok(hotMissed());
  assertNoHotMiss();
  try {
    throw noteHotMiss('../aws/sso-session.ts');
  } catch {
    // an optional lookup that swallows its failure
  }
  assert.ok(hotMissed());
  assert.throws(() => writeStdout('keys built without the missing module\n'), /cannot load \.\.\/aws\/sso-session\.ts/);
});

test.run();
