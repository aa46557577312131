// Identity fields end to end: the built CLI against the AWS emulator on a copy of examples/acme.
// aws/user keys from YAML (!env, no local store) with MFA and session.duration (GetSessionToken's
// DurationSeconds clamped as Atmos does), assume-role principal.duration (AssumeRole's
// DurationSeconds), env: entries in every export format, in exec's child and through direnv's
// `use atmos`, and exec/whoami --stack/--component picking the component's identity.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SUPERADMIN } from '../fake-aws/scenario.ts';
import { startFakeAws } from '../fake-aws/server.ts';
import { direnvScript } from '../../src/shell/scripts.ts';
import { CLI, cli, parseExports as parseUpper, sandbox } from './helpers.ts';

/** parseExports for any variable name (env: keys keep their case). */
function parseExports(text: string): Record<string, string> {
  const out = parseUpper(text);
  for (const m of text.matchAll(/^export ([A-Za-z_][A-Za-z0-9_]*)='((?:[^']|'\\'')*)';?$/gm)) out[m[1]!] = m[2]!.replaceAll("'\\''", "'");
  return out;
}

const fake = await startFakeAws();
const sb = sandbox(fake, { ATMOS_PROFILE: 'developers' }, { allow: false });

// A profile whose break-glass user reads its keys from the environment (as Atmos allows), with a
// session.duration above the no-MFA maximum and a two-hour assume-role.
mkdirSync(join(sb.acme, 'profiles/yamluser'), { recursive: true });
writeFileSync(join(sb.acme, 'profiles/yamluser/atmos.yaml'), `auth:
  identities:
    superadmin:
      kind: aws/user
      credentials:
        access_key_id: !env TEST_BREAKGLASS_KEY_ID
        secret_access_key: !env TEST_BREAKGLASS_SECRET
        region: us-east-1
        mfa_arn: ${SUPERADMIN.mfaSerial}
      session:
        duration: 48h
    core-root/terraform:
      kind: aws/assume-role
      via:
        identity: superadmin
      principal:
        assume_role: arn:aws:iam::100000000000:role/acme-core-root-terraform
        duration: 2h
`);
// env: on the developers' plat-dev identity, and a component that chooses another identity.
const dev = join(sb.acme, 'profiles/developers/atmos.yaml');
writeFileSync(dev, readFileSync(dev, 'utf8').replace(/(    plat-dev\/terraform:\n(?:      .*\n|        .*\n)+)/, `$1      env:
        - { key: TF_VAR_team, value: "platform it's \\"q\\" $(touch pwned)" }
        - { key: AWS_REGION, value: eu-central-1 }
        - { key: KUBE_NAMESPACE, value: dev }
`));
const stack = join(sb.stackDir('plat/dev'), 'us-east-2.yaml');
writeFileSync(stack, readFileSync(stack, 'utf8').replace('    vpc:\n', '    vpc:\n      auth:\n        identities:\n          plat-sandbox/terraform:\n            default: true\n'));
const allow = spawnSync(process.execPath, [CLI, 'allow', sb.acme], { env: sb.env, encoding: 'utf8' });
if (allow.status !== 0) throw new Error(allow.stderr);
const keys = { TEST_BREAKGLASS_KEY_ID: SUPERADMIN.accessKeyId, TEST_BREAKGLASS_SECRET: SUPERADMIN.secretAccessKey };

test.after(async () => {
  await fake.close();
  sb.cleanup();
});

test('aws/user keys from YAML (!env), no local store: GetSessionToken with MFA for 36 h (48h clamped), AssumeRole for 2 h', async () => {
  fake.clearLog();
  const r = await cli(sb, ['export'], { cwd: sb.stackDir('core/root'), env: { ATMOS_PROFILE: 'yamluser', ...keys }, input: `${SUPERADMIN.mfaCode}\n` });
  assert.is(r.code, 0, r.stderr);
  assert.not.ok(r.stderr.includes(SUPERADMIN.secretAccessKey));
  const e = parseExports(r.stdout);
  assert.is(e.ATMOS_AUTH_IDENTITY, 'core-root/terraform');
  const gst = fake.requests().filter((q) => q.op === 'GetSessionToken');
  assert.is(gst.length, 1);
  assert.is(gst[0]!.durationSeconds, 129600, 'session.duration 48h with MFA is clamped to 36 h');
  const ar = fake.requests().filter((q) => q.op === 'AssumeRole');
  assert.is(ar.length, 1);
  assert.is(ar[0]!.durationSeconds, 7200);
  // The YAML secret never reaches the credentials cache (its chain records no secrets).
  const credDir = join(sb.env.XDG_CACHE_HOME!, 'atmos-auth', 'credentials');
  const files = readdirSync(credDir);
  assert.ok(files.length >= 2);
  for (const f of files) assert.not.ok(readFileSync(join(credDir, f), 'utf8').includes(SUPERADMIN.secretAccessKey), f);
  const left = (Date.parse(e.AWS_CREDENTIAL_EXPIRATION ?? '') - Date.now()) / 1000;
  assert.ok(left > 7000 && left <= 7200, `role credentials for 2 h, got ${left} s`);
  // Without the variables the keys are not in the YAML: the local store, which is empty.
  const none = await cli(sb, ['export', '--no-login'], { cwd: sb.stackDir('core/root'), env: { ATMOS_PROFILE: 'yamluser', ATMOS_AUTH_MIN_TTL: '999999' } });
  assert.is(none.code, 1);
  assert.match(none.stderr, /atmos-auth user configure superadmin/);
});

test('aws/user without MFA: the default 12 h session (Atmos sends DurationSeconds 43200)', async () => {
  const p = join(sb.acme, 'profiles/yamlnomfa');
  mkdirSync(p, { recursive: true });
  writeFileSync(join(p, 'atmos.yaml'), 'auth:\n  identities:\n    superadmin:\n      kind: aws/user\n      default: true\n      credentials:\n        access_key_id: !env TEST_BREAKGLASS_KEY_ID\n        secret_access_key: !env TEST_BREAKGLASS_SECRET\n');
  fake.clearLog();
  const r = await cli(sb, ['whoami', '--json', '--identity', 'superadmin'], { cwd: sb.acme, env: { ATMOS_PROFILE: 'yamlnomfa', ...keys } });
  assert.is(r.code, 0, r.stderr);
  assert.is((JSON.parse(r.stdout) as { arn: string }).arn, `arn:aws:iam::${SUPERADMIN.accountId}:user/${SUPERADMIN.userName}`);
  assert.is(fake.requests().find((q) => q.op === 'GetSessionToken')?.durationSeconds, 43200);
});

test('env: entries in every export format, after AWS_REGION (they win, as in Atmos); values stay data', async () => {
  const want = `platform it's "q" $(touch pwned)`;
  const bash = await cli(sb, ['export', '--format', 'bash']);
  assert.is(bash.code, 0, bash.stderr);
  assert.is(bash.stdout.split('\n')[0], "export ATMOS_AUTH_ENV_KEYS='TF_VAR_team KUBE_NAMESPACE';");
  const e = parseExports(bash.stdout);
  assert.is(e.TF_VAR_team, want);
  assert.is(e.AWS_REGION, 'eu-central-1');
  assert.is(e.KUBE_NAMESPACE, 'dev');
  // Evaluated by a real shell: exactly the value, nothing run.
  const sh = spawnSync('bash', ['-c', `${bash.stdout}\nprintf '%s|%s' "$TF_VAR_team" "$AWS_REGION"`], { cwd: sb.dir, encoding: 'utf8' });
  assert.is(sh.stdout, `${want}|eu-central-1`);
  const fish = await cli(sb, ['export', '--format', 'fish']);
  assert.ok(fish.stdout.startsWith("set -gx ATMOS_AUTH_ENV_KEYS 'TF_VAR_team KUBE_NAMESPACE';\n"), fish.stdout);
  const json = await cli(sb, ['export', '--format', 'json']);
  const j = JSON.parse(json.stdout) as Record<string, string | null>;
  assert.is(j.TF_VAR_team, want);
  assert.is(j.AWS_REGION, 'eu-central-1');
  // dotenv readers disagree on a value holding ' together with " and $ (README, Output formats):
  // refused, naming the variable, nothing printed.
  const dotenv = await cli(sb, ['export', '--format', 'dotenv']);
  assert.is.not(dotenv.code, 0);
  assert.is(dotenv.stdout, '');
  assert.match(dotenv.stderr, /TF_VAR_team/);
  // The next identity (prod has no env:) removes them.
  const prod = await cli(sb, ['export'], { cwd: sb.stackDir('plat/prod'), env: { ATMOS_AUTH_IDENTITY: 'plat-dev/terraform', ATMOS_AUTH_ENV_KEYS: 'TF_VAR_team KUBE_NAMESPACE', TF_VAR_team: want, KUBE_NAMESPACE: 'dev' } });
  assert.is(prod.code, 0, prod.stderr);
  for (const l of ['unset TF_VAR_team;', 'unset KUBE_NAMESPACE;', 'unset ATMOS_AUTH_ENV_KEYS;']) assert.ok(prod.stdout.includes(l), l);
  assert.not.ok(spawnSync('test', ['-e', join(sb.dir, 'pwned')]).status === 0);
});

test('profile mode: the env: entries come with AWS_CONFIG_FILE/AWS_PROFILE, no keys', async () => {
  const r = await cli(sb, ['export', '--mode', 'profile']);
  assert.is(r.code, 0, r.stderr);
  const e = parseExports(r.stdout);
  assert.is(e.KUBE_NAMESPACE, 'dev');
  assert.is(e.AWS_REGION, 'eu-central-1');
  assert.ok(e.AWS_PROFILE && e.AWS_CONFIG_FILE);
  assert.is(e.AWS_ACCESS_KEY_ID, undefined);
});

test('exec: the child gets the env: entries with the credentials', async () => {
  const r = await cli(sb, ['exec', '--', 'sh', '-c', 'printf "%s|%s|%s" "$TF_VAR_team" "$KUBE_NAMESPACE" "$ATMOS_AUTH_ENV_KEYS"']);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, `platform it's "q" $(touch pwned)|dev|TF_VAR_team KUBE_NAMESPACE`);
});

test('exec/whoami --stack/--component: the identity `atmos terraform plan vpc -s plat-use2-dev` uses, from any directory', async () => {
  const r = await cli(sb, ['exec', '-s', 'plat-use2-dev', '-c', 'vpc', '--', 'sh', '-c', 'printf "%s %s" "$ATMOS_AUTH_IDENTITY" "${TF_VAR_team-none}"'], { cwd: sb.acme });
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, 'plat-sandbox/terraform none');
  const stackOnly = await cli(sb, ['exec', '--stack', 'plat-use2-dev', '--', 'sh', '-c', 'printf %s "$ATMOS_AUTH_IDENTITY"'], { cwd: sb.home });
  assert.is(stackOnly.code, 1, 'outside the repository there is no stack to find');
  assert.match(stackOnly.stderr, /no atmos\.yaml in .* or above it: no stack plat-use2-dev to find/);
  const who = await cli(sb, ['whoami', '--json', '--stack', 'plat-use2-dev', '--component', 'vpc'], { cwd: sb.stackDir('plat/prod') });
  assert.is(who.code, 0, who.stderr);
  assert.is((JSON.parse(who.stdout) as { account: string }).account, '200000000000');
  const exp = await cli(sb, ['export', '-s', 'plat-use2-dev', '-c', 'eks/cluster'], { cwd: sb.acme });
  assert.is(exp.code, 0, exp.stderr);
  assert.is(parseExports(exp.stdout).ATMOS_AUTH_IDENTITY, 'plat-dev/terraform');
});

test('direnv: `use atmos` sets the env: entries; direnv removes them on leaving', () => {
  const lib = join(sb.env.XDG_CONFIG_HOME!, 'direnv', 'lib');
  mkdirSync(lib, { recursive: true });
  writeFileSync(join(lib, 'use_atmos.sh'), direnvScript([process.execPath, CLI]));
  const d = sb.stackDir('plat/dev');
  writeFileSync(join(d, '.envrc'), 'use atmos\n');
  const env = { ...sb.env, KUBE_NAMESPACE: 'mine' };
  const direnv = (args: string[], cwd: string, e: NodeJS.ProcessEnv = env) => spawnSync('direnv', args, { cwd, env: e, encoding: 'utf8', timeout: 60_000 });
  if (spawnSync('sh', ['-c', 'command -v direnv']).status !== 0) assert.unreachable('direnv is not installed: apt-get install direnv');
  assert.is(direnv(['allow', '.'], d).status, 0);
  const r = direnv(['export', 'json'], d);
  assert.is(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as Record<string, string | null>;
  assert.is(out.TF_VAR_team, `platform it's "q" $(touch pwned)`);
  assert.is(out.KUBE_NAMESPACE, 'dev');
  assert.is(out.AWS_REGION, 'eu-central-1');
  // Leaving: direnv reverts from its own diff (DIRENV_DIFF), giving back the user's value.
  const entered = { ...env, ...Object.fromEntries(Object.entries(out).filter(([, v]) => v !== null)) } as NodeJS.ProcessEnv;
  const left = direnv(['export', 'json'], sb.dir, entered);
  assert.is(left.status, 0, left.stderr);
  const back = JSON.parse(left.stdout) as Record<string, string | null>;
  assert.is(back.KUBE_NAMESPACE, 'mine');
  assert.is(back.TF_VAR_team, null);
});

test.run();
