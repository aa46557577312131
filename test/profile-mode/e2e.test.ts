// Profile mode end to end against the emulator: export and exec write the 0600 config and hand out
// AWS_CONFIG_FILE/AWS_PROFILE (no secret); the profile works from any cwd and ATMOS_PROFILE; the
// user's own profiles keep working; leaving restores; an expired session is one message, no
// browser; 8 concurrent writers lose no profile while botocore parses the file in a loop; the
// bash hook restores AWS_CONFIG_FILE/AWS_PROFILE exactly.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startFakeAws } from '../fake-aws/server.ts';
import { CLI, ROOT, cli, parseExports, sandbox } from '../e2e/helpers.ts';
import { hookFile, runShell } from '../helpers/shells.ts';
import { promptText } from '../../src/shell/prompt-text.ts';

const fake = await startFakeAws();
const sb = sandbox(fake);
const PARSE = join(ROOT, 'test/profile-mode/py/parse_config.py');
const generated = join(sb.home, '.config/atmos-auth/aws-config');

test.after(async () => {
  await fake.close();
  sb.cleanup();
});

/**
 * Runs a program and collects its output. Asynchronous on purpose: the emulator lives in this
 * process, so a spawnSync child that calls it would wait forever.
 */
function run(cmd: string, args: string[], o: { env: NodeJS.ProcessEnv; cwd: string }): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: o.env, cwd: o.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** boto3 in a child: who am I with this environment (cwd elsewhere, by default). */
async function boto(env: Record<string, string>, code: string, cwd = sb.dir) {
  const r = await run('python3', ['-c', `import boto3, json, os\n${code}`], { env, cwd });
  return { status: r.status, stdout: r.stdout.trim(), stderr: r.stderr };
}

function parsed(file: string): Record<string, { settings: Record<string, string>; argv: string[] | null }> {
  const r = spawnSync('python3', [PARSE, file], { encoding: 'utf8', timeout: 60_000 });
  assert.is(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

let ex: Record<string, string> = {};

test('export --mode profile: AWS_CONFIG_FILE + AWS_PROFILE, keys unset, a 0600 file, no secret on stdout', async () => {
  mkdirSync(join(sb.home, '.aws'), { recursive: true });
  // The user's own profiles: static keys in the credentials file, and a credential_process one.
  writeFileSync(join(sb.home, '.aws/credentials'), '[mine]\naws_access_key_id = AKIAMINESTATIC000001\naws_secret_access_key = minesecret\n');
  const helper = join(sb.dir, 'my creds.sh');
  writeFileSync(helper, '#!/bin/sh\necho \'{"Version":1,"AccessKeyId":"AKIAMYPROCESS0000001","SecretAccessKey":"s"}\'\n');
  chmodSync(helper, 0o755);
  writeFileSync(join(sb.home, '.aws/config'), `[profile mine]\nregion = eu-west-1\n\n[profile myproc]\ncredential_process = '${helper}'\nregion = eu-central-1\n`);
  assert.is((await cli(sb, ['allow'])).code, 0);
  const r = await cli(sb, ['export', '--mode', 'profile', '--format', 'zsh']);
  assert.is(r.code, 0, r.stderr);
  ex = parseExports(r.stdout);
  assert.is(ex.AWS_CONFIG_FILE, generated);
  assert.match(ex.AWS_PROFILE ?? '', /^atmos-plat-dev-terraform-[0-9a-f]{10}$/);
  for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_CREDENTIAL_EXPIRATION']) {
    assert.match(r.stdout, new RegExp(`^unset ${k};?$`, 'm'));
  }
  assert.not.match(r.stdout, /ASIA|SecretAccessKey|aws_secret/);
  assert.is(ex.ATMOS_AUTH_IDENTITY, 'plat-dev/terraform');
  assert.is(ex.ATMOS_AUTH_ACCESS, 'apply');
  assert.match(ex.ATMOS_AUTH_EXPIRATION ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.is(statSync(generated).mode & 0o777, 0o600);
  assert.is(statSync(join(sb.home, '.config/atmos-auth')).mode & 0o777, 0o700);
  const text = readFileSync(generated, 'utf8');
  assert.not.match(text, /ASIA|aws_secret_access_key/);
  assert.ok(parsed(generated)[ex.AWS_PROFILE!]);
});

test('the prompt shows identity, access and the SSO session\'s minutes left from the profile-mode variables', () => {
  const env = { ATMOS_AUTH_IDENTITY: ex.ATMOS_AUTH_IDENTITY, ATMOS_AUTH_ACCESS: ex.ATMOS_AUTH_ACCESS, ATMOS_AUTH_EXPIRATION: ex.ATMOS_AUTH_EXPIRATION };
  assert.match(promptText(env), /^plat-dev\/terraform \(apply\) \d+h\d+m$/);
  for (const shell of ['zsh', 'bash'] as const) {
    const r = runShell(shell, `source ${join(ROOT, `shell/prompt.${shell}`)}; atmos_auth_prompt`, { PATH: process.env.PATH, ...env });
    assert.match(r.stdout, /^plat-dev\/terraform \(apply\) \d+h\d+m$/, r.stderr);
  }
});

test('the profile works from another cwd with a different ATMOS_PROFILE; the user\'s own profiles still work', async () => {
  const env = { ...sb.env, ...ex, ATMOS_PROFILE: 'managers', ATMOS_IDENTITY: 'core-root/terraform' };
  const who = await boto(env, "print(boto3.client('sts').get_caller_identity()['Arn'])");
  assert.is(who.status, 0, who.stderr);
  assert.match(who.stdout, /200000000001:assumed-role\/AWSReservedSSO_TerraformApplyAccess/);
  // AWS_REGION (exported for the stack) wins over a profile's region, as in env mode.
  const mine = await boto({ ...env, AWS_PROFILE: 'mine' }, "s = boto3.Session(); c = s.get_credentials(); print(c.access_key, s.region_name)");
  assert.is(mine.stdout, `AKIAMINESTATIC000001 ${ex.AWS_REGION}`, mine.stderr);
  const own = { ...env, AWS_REGION: '', AWS_DEFAULT_REGION: '' };
  delete (own as Record<string, string | undefined>).AWS_REGION;
  delete (own as Record<string, string | undefined>).AWS_DEFAULT_REGION;
  const mine2 = await boto({ ...own, AWS_PROFILE: 'mine' }, "s = boto3.Session(); c = s.get_credentials(); print(c.access_key, s.region_name)");
  assert.is(mine2.stdout, 'AKIAMINESTATIC000001 eu-west-1', mine2.stderr);
  const proc = await boto({ ...own, AWS_PROFILE: 'myproc' }, "s = boto3.Session(); c = s.get_credentials(); print(c.access_key, s.region_name)");
  assert.is(proc.stdout, 'AKIAMYPROCESS0000001 eu-central-1', proc.stderr);
});

test('the user\'s config changes: the next export copies it in again', async () => {
  writeFileSync(join(sb.home, '.aws/config'), '[profile mine]\nregion = ap-south-1\n');
  const r = await cli(sb, ['export', '--mode', 'profile'], { env: { AWS_CONFIG_FILE: generated } });
  assert.is(r.code, 0, r.stderr);
  const p = parsed(generated);
  assert.is(p.mine?.settings.region, 'ap-south-1');
  assert.not.ok(p.myproc);
  assert.ok(p[ex.AWS_PROFILE!]);
});

test('credential-process --target: warm answer from the cache, JSON Version 1 with Expiration', async () => {
  const p = parsed(generated)[ex.AWS_PROFILE!]!;
  fake.clearLog();
  const r = await run(p.argv![0]!, p.argv!.slice(1), { env: { ...sb.env, ATMOS_PROFILE: 'bogus' }, cwd: '/' });
  assert.is(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout) as Record<string, unknown>;
  assert.is(j.Version, 1);
  assert.match(String(j.AccessKeyId), /^ASIA/);
  assert.match(String(j.Expiration), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(fake.requests().map((q) => q.op), []);
});

test('exec --mode profile: the child has AWS_CONFIG_FILE/AWS_PROFILE and no secret, and can call STS', async () => {
  const code = "e = os.environ; print(json.dumps({'secret': [k for k in ('AWS_SECRET_ACCESS_KEY','AWS_SESSION_TOKEN','AWS_ACCESS_KEY_ID') if k in e], 'profile': e.get('AWS_PROFILE'), 'file': e.get('AWS_CONFIG_FILE'), 'arn': boto3.client('sts').get_caller_identity()['Arn']}))";
  const r = await cli(sb, ['exec', '--mode', 'profile', '--', 'python3', '-c', `import boto3, json, os\n${code}`], { cwd: sb.stackDir('plat/prod') });
  assert.is(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { secret: string[]; profile: string; file: string; arn: string };
  assert.equal(j.secret, []);
  assert.match(j.profile, /^atmos-plat-prod-terraform-/);
  assert.is(j.file, generated);
  assert.match(j.arn, /TerraformPlanAccess/);
});

test('where no identity applies, export undoes profile mode (the user\'s AWS_CONFIG_FILE comes back)', async () => {
  const r = await cli(sb, ['export'], { cwd: sb.dir, env: { ...ex } });
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^unset AWS_PROFILE;?$/m);
  assert.match(r.stdout, /^unset ATMOS_AUTH_IDENTITY;?$/m);
  // The sandbox had AWS_CONFIG_FILE set to ~/.aws/config: that is what comes back.
  assert.is(parseExports(r.stdout).AWS_CONFIG_FILE, join(sb.home, '.aws/config'));
  // env mode in a repository does the same, and exports keys again.
  const e = await cli(sb, ['export', '--mode', 'env'], { env: { ...ex } });
  const v = parseExports(e.stdout);
  assert.is(v.AWS_CONFIG_FILE, join(sb.home, '.aws/config'));
  assert.ok(v.AWS_SECRET_ACCESS_KEY);
  assert.match(e.stdout, /^unset AWS_PROFILE;?$/m);
});

test('bash hook with ATMOS_AUTH_MODE=profile: enter sets, leaving restores AWS_CONFIG_FILE/AWS_PROFILE exactly', async () => {
  const hook = hookFile(sb.dir, 'bash', [process.execPath, CLI]);
  const script = [
    `source ${JSON.stringify(hook)}`,
    `cd ${JSON.stringify(sb.stackDir('plat/dev'))}; __atmos_auth_hook chpwd`,
    'echo "in:$AWS_CONFIG_FILE|$AWS_PROFILE|${AWS_SECRET_ACCESS_KEY-none}|$ATMOS_AUTH_IDENTITY"',
    `cd ${JSON.stringify(sb.dir)}; __atmos_auth_hook chpwd`,
    'echo "out:$AWS_CONFIG_FILE|$AWS_PROFILE|${ATMOS_AUTH_IDENTITY-none}"',
  ].join('\n');
  const env = { ...sb.env, ATMOS_AUTH_MODE: 'profile', AWS_CONFIG_FILE: '/users/own/config', AWS_PROFILE: 'mine', BROWSER: '' };
  delete (env as Record<string, string | undefined>).BROWSER;
  const r = await run('bash', ['--norc', '--noprofile', '-c', script], { env, cwd: sb.dir });
  assert.is(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.match(lines[0] ?? '', new RegExp(`^in:${generated.replaceAll('/', '\\/').replaceAll('.', '\\.')}-[0-9a-f]{10}\\|atmos-plat-dev-terraform-[0-9a-f]{10}\\|none\\|plat-dev/terraform$`), r.stdout + r.stderr);
  assert.is(lines[1], 'out:/users/own/config|mine|none');
});

test('8 shells entering 8 stacks at once: every profile present, botocore parses the file throughout', async () => {
  // 8 concurrent writers, twice over, with the user's config edited in between so that the second
  // round rewrites everything again.
  const dirs = ['plat/dev', 'plat/staging', 'plat/prod', 'plat/sandbox', 'core/audit', 'core/network', 'core/auto', 'core/artifacts'];
  const stop = join(sb.dir, 'stop-parsing');
  const reader = spawn('python3', [PARSE, '--loop', generated, stop], { stdio: ['ignore', 'pipe', 'pipe'] });
  let readerOut = '';
  reader.stdout.on('data', (d) => (readerOut += d));
  const readerDone = new Promise<void>((res) => reader.on('close', () => res()));
  const names = new Set<string>();
  const failures: string[] = [];
  try {
    for (const round of [1, 2]) {
      writeFileSync(join(sb.home, '.aws/config'), `[profile mine]\nregion = eu-west-${round}\n`);
      const runs = await Promise.all(dirs.map((d) => cli(sb, ['export', '--mode', 'profile', '--no-login'], { cwd: sb.stackDir(d), env: { BROWSER: '' } })));
      for (const r of runs) {
        if (r.code !== 0) failures.push(r.stderr);
        else names.add(parseExports(r.stdout).AWS_PROFILE!);
      }
    }
  } finally {
    writeFileSync(stop, '');
    await readerDone;
  }
  assert.equal(failures, []);
  const stats = JSON.parse(readerOut) as { parses: number; errorCount: number; errors: string[]; maxProfiles: number };
  assert.is(stats.errorCount, 0, stats.errors.join('\n'));
  assert.ok(stats.parses > 10, `parsed ${stats.parses} times`);
  assert.is(names.size, 8);
  const p = parsed(generated);
  for (const n of names) assert.ok(p[n], `${n} present`);
  assert.is(p.mine?.settings.region, 'eu-west-2');
  assert.is(statSync(generated).mode & 0o777, 0o600);
  process.stderr.write(`concurrency: ${JSON.stringify(stats)}\n`);
});

test('expired SSO session: credential-process fails with one message naming atmos-auth login, no browser', async () => {
  const p = parsed(generated)[ex.AWS_PROFILE!]!;
  const marker = join(sb.dir, 'browser-opened');
  const browser = join(sb.dir, 'browser.sh');
  writeFileSync(browser, `#!/bin/sh\ntouch '${marker}'\n`);
  chmodSync(browser, 0o755);
  fake.revokeTokens({ user: 'alice' });
  fake.expireRefreshTokens();
  const r = await run(p.argv![0]!, p.argv!.slice(1), { env: { ...sb.env, BROWSER: browser, ATMOS_AUTH_MIN_TTL: '999999' }, cwd: '/' });
  assert.is.not(r.status, 0);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /atmos-auth login/);
  assert.ok(r.stderr.trim().split('\n').length <= 3, r.stderr);
  assert.not.ok(existsSync(marker), 'no browser');
  assert.is(fake.count('Authorize'), 0);
});

test.run();
