// Cross-process locks: the lock directory proper-lockfile creates is 0700 whatever the umask
// (issue 11 §6), and it is gone once the holder is done.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withLock } from '../../src/util/lock.ts';

const dir = mkdtempSync(join(tmpdir(), 'atmos-auth-lock-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

for (const umask of [0o000, 0o022]) {
  test(`lock directory is 0700 with umask ${umask.toString(8).padStart(3, '0')}, the locks dir too, and removed after`, async () => {
    const locks = join(dir, `locks-${umask}`);
    const old = process.umask(umask);
    try {
      const seen = await withLock('sso:acme', async () => {
        const held = readdirSync(locks).filter((f) => f.endsWith('.lock'));
        return held.map((f) => statSync(join(locks, f)).mode & 0o777);
      }, { dir: locks });
      assert.equal(seen, [0o700]);
      assert.is(statSync(locks).mode & 0o777, 0o700);
      assert.equal(readdirSync(locks).filter((f) => f.endsWith('.lock')), []);
      assert.ok(existsSync(locks));
    } finally {
      process.umask(old);
    }
  });
}

test.run();
