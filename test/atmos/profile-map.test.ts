// The profile map (src/atmos/profile-map.ts) on examples/acme: what each profile maps an identity
// to, ranked by access, and the clause an AWS refusal quotes ("profiles giving X more: ...").
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { accessRank, loadProfileAuths, mappingsOf, otherProfilesText } from '../../src/atmos/profile-map.ts';

const acme = fileURLToPath(new URL('../../examples/acme', import.meta.url));
const home = mkdtempSync(join(tmpdir(), 'atmos-auth-profile-map-'));
// A private HOME: no ~/.atmos or ~/.config/atmos of the machine's user gets in.
const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, XDG_CONFIG_HOME: join(home, '.config') };
const pa = loadProfileAuths(acme, env);

test.after(() => rmSync(home, { recursive: true, force: true }));

test('every profile of the repository is read', () => {
  assert.equal(pa.profiles.map((p) => p.name), ['developers', 'devops', 'github-apply', 'github-plan', 'managers', 'superadmin']);
  assert.ok(pa.profiles.every((p) => !p.error), JSON.stringify(pa.profiles));
});

test('mappings are ranked by access level, highest first', () => {
  const m = mappingsOf(pa, 'plat-prod/terraform');
  assert.equal(m.map((x) => [x.profile, x.cell.access]), [
    ['devops', 'apply'], ['github-apply', 'apply'], ['superadmin', 'apply'],
    ['developers', 'plan'], ['github-plan', 'plan'], ['managers', 'plan'],
  ]);
  assert.is(m[0]!.cell.permissionSet, 'TerraformApplyAccess');
  assert.ok(accessRank('admin') > accessRank('apply') && accessRank('apply') > accessRank('plan') && accessRank('plan') > accessRank('state') && accessRank('state') > accessRank('read') && accessRank('read') > accessRank(''));
});

test('the refusal clause: profiles giving more, then the others; same mapping left out', () => {
  const m = mappingsOf(pa, 'plat-prod/terraform');
  assert.is(otherProfilesText(m, 'plat-prod/terraform', ['developers']),
    'profiles giving plat-prod/terraform more: devops (TerraformApplyAccess, apply), github-apply (role acme-plat-prod-terraform, apply), superadmin (role acme-plat-prod-terraform, apply); others: github-plan (role acme-plat-prod-planner, plan)');
  // From the top: nothing gives more, so the rest are just "otherwise".
  assert.match(otherProfilesText(m, 'plat-prod/terraform', ['devops']), /^profiles mapping plat-prod\/terraform otherwise: github-apply \(role acme-plat-prod-terraform, apply\), superadmin .*, developers \(TerraformPlanAccess, plan\)/);
  assert.not.match(otherProfilesText(m, 'plat-prod/terraform', ['devops']), /devops/, 'the active profile is not its own alternative');
  assert.is(otherProfilesText(mappingsOf(pa, 'no-such/identity'), 'no-such/identity', ['developers']), '');
});

test.run();
