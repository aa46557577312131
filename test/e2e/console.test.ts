// `atmos-auth console` against the emulator's sign-in federation endpoint (AWS_ENDPOINT_URL_SIGNIN):
// the login URL works once and lands on the destination as the identity; the sign-in token never
// reaches a child's argv or the debug output; aliases, partitions, and the identities whose
// credentials AWS refuses for the console.
import { existsSync, readFileSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startFakeAws } from '../fake-aws/server.ts';
import { SUPERADMIN } from '../fake-aws/scenario.ts';
import { cli, sandbox } from './helpers.ts';
import { consoleHost, resolveDestination } from '../../src/aws/console-destinations.ts';
import { signinEndpoint } from '../../src/aws/console.ts';

const fake = await startFakeAws();
const sb = sandbox(fake);

test.after(async () => {
  await fake.close();
  sb.cleanup();
});

/** The query of a URL as a plain object. */
const params = (u: string) => Object.fromEntries(new URL(u).searchParams);

let first = '';

test('--print-only: one login URL on stdout, Issuer and the console home as Destination; it works once, as the identity', async () => {
  const r = await cli(sb, ['console', '--print-only']);
  assert.is(r.code, 0, r.stderr);
  first = r.stdout.trim();
  assert.is(r.stdout.split('\n').length, 2, r.stdout);
  assert.ok(first.startsWith(`${fake.url}/federation?`), first);
  const p = params(first);
  assert.is(p.Action, 'login');
  assert.is(p.Issuer, 'atmos-auth');
  assert.is(p.Destination, 'https://console.aws.amazon.com/');
  assert.ok((p.SigninToken ?? '').length > 20);
  assert.is(fake.count('GetSigninToken'), 1);

  const login = await fetch(first, { redirect: 'manual' });
  assert.is(login.status, 302);
  assert.is(login.headers.get('location'), 'https://console.aws.amazon.com/');
  const entry = fake.requests().find((e) => e.op === 'ConsoleLogin');
  assert.match(entry?.roleArn ?? '', /AWSReservedSSO_TerraformApplyAccess/);
  const again = await fetch(first, { redirect: 'manual' });
  assert.is(again.status, 400, 'a sign-in token works once');
});

test('--destination: aliases as Atmos has them (any case), URLs as given, an unknown alias is refused before any request', async () => {
  const s3 = await cli(sb, ['console', '--print-only', '--destination', ' S3 ']);
  assert.is(s3.code, 0, s3.stderr);
  assert.is(params(s3.stdout.trim()).Destination, 'https://console.aws.amazon.com/s3');
  const url = await cli(sb, ['console', '--print-only', '--destination', 'https://console.aws.amazon.com/iam/home#/roles']);
  assert.is(params(url.stdout.trim()).Destination, 'https://console.aws.amazon.com/iam/home#/roles');
  fake.clearLog();
  const bad = await cli(sb, ['console', '--print-only', '--destination', 'ec3']);
  assert.is.not(bad.code, 0);
  assert.is(bad.stdout, '');
  assert.match(bad.stderr, /unknown console destination 'ec3'/);
  assert.match(bad.stderr, /ec2/);
  assert.equal(fake.requests().filter((e) => e.op === 'GetSigninToken'), []);
  const list = await cli(sb, ['console', '--list-destinations']);
  assert.ok(list.stdout.split('\n').includes('cloudformation'));
  assert.ok(list.stdout.split('\n').length > 100);
});

test('opening: the browser gets the path of a 0600 page that forwards to the URL, never the token in its argv', async () => {
  const argvFile = join(sb.dir, 'browser-argv');
  const pageCopy = join(sb.dir, 'browser-page');
  const browser = join(sb.dir, 'console-browser.sh');
  writeFileSync(browser, `#!/bin/sh\nf="\${1#file://}"\nstat -c '%a' "$f" > '${pageCopy}.mode'\nstat -c '%a' "$(dirname "$f")" > '${pageCopy}.dirmode'\ncat "$f" > '${pageCopy}'\nprintf '%s\\n' "$@" > '${argvFile}'\n`);
  chmodSync(browser, 0o755);
  const r = await cli(sb, ['console', '--destination', 'ec2'], { env: { BROWSER: browser } });
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /opening the AWS console as plat-dev\/terraform/);
  for (let i = 0; i < 200 && !existsSync(argvFile); i++) await new Promise((res) => setTimeout(res, 25));
  const argv = readFileSync(argvFile, 'utf8');
  assert.not.match(argv, /SigninToken|federation/);
  assert.match(argv, /^file:\/\/\/.*login-[0-9a-f]+\.html\n$/);
  assert.is(readFileSync(`${pageCopy}.mode`, 'utf8').trim(), '600');
  assert.is(readFileSync(`${pageCopy}.dirmode`, 'utf8').trim(), '700');
  const page = readFileSync(pageCopy, 'utf8');
  const href = /url=([^"]+)"/.exec(page)?.[1]?.replaceAll('&#38;', '&');
  assert.ok(href?.startsWith(`${fake.url}/federation?Action=login`), page);
  assert.is(params(href!).Destination, 'https://console.aws.amazon.com/ec2');
  const login = await fetch(href!, { redirect: 'manual' });
  assert.is(login.status, 302);
  assert.ok(statSync(dirname(argv.trim().slice('file://'.length))).isDirectory());
});

test('debug output names the steps and never the token, the keys or the session', async () => {
  const r = await cli(sb, ['console', '--print-only'], { env: { ATMOS_LOGS_LEVEL: 'debug' } });
  assert.is(r.code, 0, r.stderr);
  const token = params(r.stdout.trim()).SigninToken!;
  assert.match(r.stderr, /getSigninToken/);
  assert.not.ok(r.stderr.includes(token));
  assert.not.match(r.stderr, /sessionKey|sessionToken|"sessionId"/);
  const creds = JSON.parse((await cli(sb, ['export', '--format', 'json'])).stdout) as Record<string, string>;
  assert.not.ok(r.stderr.includes(creds.AWS_SECRET_ACCESS_KEY!));
  assert.not.ok(r.stderr.includes(creds.AWS_SESSION_TOKEN!));
});

test('--duration is accepted as in Atmos and not sent (AWS refuses it for SSO role sessions): the console still opens, and stderr says why', async () => {
  const r = await cli(sb, ['console', '--print-only', '--duration', '2h']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, /--duration is not sent/);
  assert.is(params(r.stdout.trim()).Action, 'login');
  const bad = await cli(sb, ['console', '--print-only', '--duration', 'two hours']);
  assert.is.not(bad.code, 0);
  assert.match(bad.stderr, /invalid --duration/);
});

test('an aws/user identity (IAM keys, MFA session) gets a clear error and no sign-in request; its assume-role identity opens the console', async () => {
  const su = sandbox(fake, { ATMOS_PROFILE: 'superadmin' });
  try {
    const conf = await cli(su, ['user', 'configure', 'superadmin'], { input: `${SUPERADMIN.accessKeyId}\n${SUPERADMIN.secretAccessKey}\n` });
    assert.is(conf.code, 0, conf.stderr);
    fake.clearLog();
    const user = await cli(su, ['console', '--print-only', '--identity', 'superadmin'], { cwd: su.stackDir('core/root'), input: `${SUPERADMIN.mfaCode}\n` });
    assert.is.not(user.code, 0);
    assert.is(user.stdout, '');
    assert.match(user.stderr, /superadmin.*aws\/user/);
    assert.match(user.stderr, /assume-role/);
    assert.is(fake.count('GetSigninToken'), 0);
    const role = await cli(su, ['console', '--print-only'], { cwd: su.stackDir('core/root'), input: `${SUPERADMIN.mfaCode}\n` });
    assert.is(role.code, 0, role.stderr);
    const login = await fetch(role.stdout.trim(), { redirect: 'manual' });
    assert.is(login.status, 302);
    assert.match(fake.requests().find((e) => e.op === 'ConsoleLogin')?.roleArn ?? '', /acme-core-root-terraform/);
  } finally {
    su.cleanup();
  }
});

test('partitions: GovCloud and China regions get their own console and sign-in hosts; an endpoint variable wins', () => {
  assert.is(consoleHost('us-gov-west-1'), 'console.amazonaws-us-gov.com');
  assert.is(consoleHost('cn-north-1'), 'console.amazonaws.cn');
  assert.is(consoleHost('eu-west-1'), 'console.aws.amazon.com');
  assert.is(resolveDestination('s3', 'cn-north-1'), 'https://console.amazonaws.cn/s3');
  const saved = { s: process.env.AWS_ENDPOINT_URL_SIGNIN, a: process.env.AWS_ENDPOINT_URL };
  delete process.env.AWS_ENDPOINT_URL_SIGNIN;
  delete process.env.AWS_ENDPOINT_URL;
  try {
    assert.is(signinEndpoint('us-gov-east-1'), 'https://signin.amazonaws-us-gov.com');
    assert.is(signinEndpoint('us-east-2'), 'https://signin.aws.amazon.com');
    process.env.AWS_ENDPOINT_URL_SIGNIN = 'http://127.0.0.1:9/';
    assert.is(signinEndpoint('us-east-2'), 'http://127.0.0.1:9');
  } finally {
    if (saved.s === undefined) delete process.env.AWS_ENDPOINT_URL_SIGNIN; else process.env.AWS_ENDPOINT_URL_SIGNIN = saved.s;
    if (saved.a !== undefined) process.env.AWS_ENDPOINT_URL = saved.a;
  }
});

test.run();
