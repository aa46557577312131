// The README's first command ends in this demo: it must run on its own and show the main job
// (login through the emulator, exports, whoami, prompt, switch to plan-only prod, restore on leave).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

test('the demo signs in, switches identity, shows the prompt and restores the environment', () => {
  const r = spawnSync(process.execPath, [`${root}/scripts/demo.ts`], { cwd: root, encoding: 'utf8', timeout: 180_000, env: { ...process.env, NO_COLOR: '1' } });
  const out = r.stdout.replace(/\x1b\[[0-9;]*m/g, '');
  assert.is(r.status, 0, `demo failed:\n${out}\n${r.stderr}`);
  assert.match(out, /signing in to https:\/\/acme\.awsapps\.com\/start\/ \(provider acme-sso\)/);
  assert.match(out, /ATMOS_AUTH_IDENTITY=plat-dev\/terraform/);
  assert.match(out, /arn:aws:sts::200000000001:assumed-role\/AWSReservedSSO_TerraformApplyAccess_[0-9a-f]+\/alice/);
  assert.match(out, /plat-dev\/terraform \(apply\) \d+h?\d*m/);
  assert.match(out, /arn:aws:sts::200000000003:assumed-role\/AWSReservedSSO_TerraformPlanAccess_[0-9a-f]+\/alice/);
  assert.match(out, /plat-prod\/terraform \(plan\)/);
  assert.ok(!out.includes('AWS_SECRET_ACCESS_KEY=') || /AWS_SECRET_ACCESS_KEY=<secret, hidden here>/.test(out));
  // After `cd ~`: the user's AWS_PROFILE is back and no key is left.
  const after = out.slice(out.lastIndexOf('# show'));
  assert.match(after, /AWS_PROFILE=personal/);
  assert.not.match(after, /AWS_ACCESS_KEY_ID|ATMOS_AUTH_IDENTITY/);
});

test.run();
