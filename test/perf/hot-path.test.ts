// The hot path (export with warm caches, through the built CLI and the emulator) notices every
// change that matters: an edited manifest, profile or atmos.yaml; a changed ATMOS_PROFILE or
// ATMOS_IDENTITY; credentials removed by `logout` or by another shell. Requests are counted to show
// the caches are used when nothing changed and that credentials are fetched again when needed.
// No timing here (bench/run.ts measures).
import { readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startFakeAws } from '../fake-aws/server.ts';
import { ageTree, cli, ops, parseExports, sandbox } from '../e2e/helpers.ts';

const fake = await startFakeAws();
const sb = sandbox(fake);
const dev = sb.stackDir('plat/dev');
const debug = { ATMOS_LOGS_LEVEL: 'debug' };

test.after(async () => {
  await fake.close();
  sb.cleanup();
});

/** Rewrites `rel` of the acme copy with `edit` applied, mtime 10 s ago (older than any cache write). */
function edit(rel: string, from: string, to: string): () => void {
  const file = join(sb.acme, rel);
  const text = readFileSync(file, 'utf8');
  assert.ok(text.includes(from), `${rel} holds ${from}`);
  const put = (s: string, ago: number) => {
    writeFileSync(file, s);
    const t = Date.now() / 1000 - ago;
    utimesSync(file, t, t);
  };
  put(text.replace(from, to), 10);
  return () => put(text, 8);
}

async function exportEnv(env: Record<string, string> = {}) {
  const r = await cli(sb, ['export', '--format', 'zsh'], { cwd: dev, env: { ...debug, ...env } });
  assert.is(r.code, 0, r.stderr);
  return { env: parseExports(r.stdout), stderr: r.stderr };
}

test('setup: allowed repository, first export logs in once', async () => {
  ageTree(sb.acme);
  const a = await cli(sb, ['allow'], { cwd: dev });
  assert.is(a.code, 0, a.stderr);
  const { env } = await exportEnv();
  assert.is(env.ATMOS_AUTH_IDENTITY, 'plat-dev/terraform');
  assert.is(fake.count('Authorize'), 1);
  assert.is(fake.count('GetRoleCredentials'), 1);
});

test('nothing changed: no request, resolution and credentials caches hit, same keys', async () => {
  const before = (await exportEnv()).env;
  fake.clearLog();
  const { env, stderr } = await exportEnv();
  assert.equal(ops(fake), []);
  assert.match(stderr, /resolution cache: hit/);
  assert.match(stderr, /credentials cache hit for plat-dev\/terraform/);
  assert.not.match(stderr, /resolution cache: stale/);
  assert.is(env.AWS_ACCESS_KEY_ID, before.AWS_ACCESS_KEY_ID);
});

test('credential-process with warm caches: no request', async () => {
  fake.clearLog();
  const r = await cli(sb, ['credential-process', '--identity', 'plat-dev/terraform', '--profile', 'developers', '--root', sb.acme], { cwd: sb.dir, env: debug });
  assert.is(r.code, 0, r.stderr);
  assert.ok((JSON.parse(r.stdout) as { SecretAccessKey?: string }).SecretAccessKey);
  assert.equal(ops(fake), []);
  assert.match(r.stderr, /credentials cache hit/);
});

test('edited manifest: the stage default identity changes with it', async () => {
  const restore = edit('stacks/orgs/acme/plat/dev/_defaults.yaml', 'plat-dev/terraform:', 'plat-staging/terraform:');
  fake.clearLog();
  const { env, stderr } = await exportEnv();
  assert.match(stderr, /resolution cache: stale, .*_defaults\.yaml changed/);
  assert.is(env.ATMOS_AUTH_IDENTITY, 'plat-staging/terraform');
  assert.is(env.ATMOS_AUTH_ACCESS, 'plan');
  assert.is(fake.count('GetRoleCredentials'), 1);
  restore();
  fake.clearLog();
  const back = await exportEnv();
  assert.is(back.env.ATMOS_AUTH_IDENTITY, 'plat-dev/terraform');
  assert.equal(ops(fake), [], 'plat-dev credentials are still cached');
});

test('edited profile: the permission set changes, credentials fetched for the new chain', async () => {
  // TerraformPlanAccess in plat-dev is pinned (profile managers reaches it): no new allow (SECURITY.md, Trust).
  const restore = edit('profiles/developers/atmos.yaml', 'name: TerraformApplyAccess\n        account:\n          name: plat-dev', 'name: TerraformPlanAccess\n        account:\n          name: plat-dev');
  fake.clearLog();
  const { env, stderr } = await exportEnv();
  assert.match(stderr, /resolution cache: stale, .*developers\/atmos\.yaml changed/);
  assert.is.not(env.ATMOS_AUTH_ACCESS, 'apply');
  assert.is(fake.count('GetRoleCredentials'), 1);
  restore();
  fake.clearLog();
  assert.is((await exportEnv()).env.ATMOS_AUTH_ACCESS, 'apply');
  assert.equal(ops(fake), []);
});

test('edited atmos.yaml: a changed provider region is noticed (refused until allowed again)', async () => {
  const restore = edit('atmos.yaml', 'region: us-east-1\n      session:', 'region: eu-west-1\n      session:');
  fake.clearLog();
  const r = await cli(sb, ['export', '--format', 'zsh'], { cwd: dev, env: debug });
  assert.is(r.code, 3, r.stderr);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /resolution cache: stale, .*atmos\.yaml changed/);
  assert.match(r.stderr, /eu-west-1/);
  assert.equal(ops(fake), []);
  restore();
  const back = await exportEnv();
  assert.is(back.env.ATMOS_AUTH_IDENTITY, 'plat-dev/terraform');
});

test('changed ATMOS_PROFILE: another profile, another answer', async () => {
  fake.clearLog();
  const { env } = await exportEnv({ ATMOS_PROFILE: 'managers' });
  assert.is(env.ATMOS_AUTH_PROFILE, 'managers');
  const dflt = await exportEnv();
  assert.is(dflt.env.ATMOS_AUTH_PROFILE, 'developers');
  assert.is(dflt.env.ATMOS_AUTH_ACCESS, 'apply');
});

test('changed ATMOS_IDENTITY: that identity, then back to the default without a request', async () => {
  fake.clearLog();
  const { env } = await exportEnv({ ATMOS_IDENTITY: 'plat-prod/terraform' });
  assert.is(env.ATMOS_AUTH_IDENTITY, 'plat-prod/terraform');
  fake.clearLog();
  const dflt = await exportEnv();
  assert.is(dflt.env.ATMOS_AUTH_IDENTITY, 'plat-dev/terraform');
  assert.equal(ops(fake), []);
});

test('credentials deleted by another shell: fetched again with the cached SSO token, no login', async () => {
  const dir = join(sb.home, '.cache/atmos-auth/credentials');
  for (const f of readdirSync(dir)) rmSync(join(dir, f));
  fake.clearLog();
  const { env } = await exportEnv();
  assert.is(env.ATMOS_AUTH_IDENTITY, 'plat-dev/terraform');
  assert.is(fake.count('GetRoleCredentials'), 1);
  assert.is(fake.count('Authorize'), 0);
  assert.ok(statSync(dir).isDirectory());
});

test('logout: the next export does not serve the old credentials; it logs in again', async () => {
  const before = (await exportEnv()).env;
  const out = await cli(sb, ['logout'], { cwd: dev });
  assert.is(out.code, 0, out.stderr);
  // Without a way to log in, the hook's run fails rather than printing stale keys.
  const refused = await cli(sb, ['export', '--format', 'zsh', '--no-login'], { cwd: dev, env: { BROWSER: '' } });
  assert.is.not(refused.code, 0);
  assert.is(refused.stdout, '');
  fake.clearLog();
  const { env } = await exportEnv();
  assert.is(fake.count('Authorize'), 1);
  assert.is(fake.count('GetRoleCredentials'), 1);
  assert.is.not(env.AWS_ACCESS_KEY_ID, before.AWS_ACCESS_KEY_ID);
});

test.run();
