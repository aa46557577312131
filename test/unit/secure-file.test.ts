// The synchronous private write used by the disposable caches (node:fs only): 0600 whatever the
// umask, never through a planted symlink, no temporary file left behind, the old content intact
// until the rename.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { lstatSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tempDir } from '../helpers/tmp.ts';
import { join } from 'node:path';
import { readPrivateFile, writePrivateFileSync } from '../../src/util/secure-file.ts';

test('writes 0600 in a 0700 directory even with umask 000, and reads back', () => {
  const dir = tempDir('atmos-auth-sf-');
  const old = process.umask(0o000);
  try {
    const f = join(dir, 'sub', 'entry.json');
    writePrivateFileSync(f, '{"a":1}', { fsync: false });
    writePrivateFileSync(f, '{"a":2}');
    assert.is(statSync(f).mode & 0o777, 0o600);
    assert.is(statSync(join(dir, 'sub')).mode & 0o777, 0o700);
    assert.is(readPrivateFile(f), '{"a":2}');
    assert.equal(readdirSync(join(dir, 'sub')), ['entry.json'], 'no temporary file left');
  } finally {
    process.umask(old);
  }
});

test('a symlink planted at the target is replaced, its target never written', () => {
  const dir = tempDir('atmos-auth-sf-');
  const victim = join(dir, 'victim.txt');
  writeFileSync(victim, 'precious');
  const sub = join(dir, 'cache');
  writePrivateFileSync(join(sub, 'x.json'), '{}');
  const f = join(sub, 'entry.json');
  symlinkSync(victim, f);
  writePrivateFileSync(f, '{"ok":true}');
  assert.is(readFileSync(victim, 'utf8'), 'precious');
  assert.ok(lstatSync(f).isFile());
  assert.is(readFileSync(f, 'utf8'), '{"ok":true}');
});

test.run();
