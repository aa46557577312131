// Issue 11 §4: a login that nobody asked for needs a person at a terminal. A globally set $BROWSER
// (WSL's wslview, BROWSER=firefox in a profile) must not let a script, a cron job or an editor's
// direnv integration pop up a sign-in page; a real terminal still signs in from the hook, and
// ATMOS_AUTH_IMPLICIT_LOGIN=always|never is the explicit switch.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFakeAws } from '../fake-aws/server.ts';
import { hookFile, TmuxShell } from '../helpers/shells.ts';
import { BROWSER, cli, parseExports, sandbox } from '../e2e/helpers.ts';

const fake = await startFakeAws();
const sb = sandbox(fake);
const canary = join(sb.dir, 'browser-started');
// The browser a user set globally: it leaves a mark, then completes the sign-in as a person would.
const userBrowser = join(sb.dir, 'user-browser.sh');
writeFileSync(userBrowser, `#!/bin/sh\n: > '${canary}'\nexec '${BROWSER}' "$@"\n`);
chmodSync(userBrowser, 0o755);
const terminals: TmuxShell[] = [];

test.after(async () => {
  for (const t of terminals) t.kill();
  await fake.close();
  sb.cleanup();
});

/** Forgets the SSO session and the credentials: the next export needs a login. */
function loggedOut(): void {
  for (const d of ['.aws/sso/cache', '.cache/atmos/aws-sso', '.cache/atmos-auth/credentials', '.cache/atmos-auth/resolve']) rmSync(join(sb.home, d), { recursive: true, force: true });
  rmSync(canary, { force: true });
  fake.clearLog();
}

// The sandbox sets ATMOS_AUTH_IMPLICIT_LOGIN=always for the other suites; '' removes it here.
const userEnv = { BROWSER: userBrowser, ATMOS_AUTH_IMPLICIT_LOGIN: '' };

for (const args of [['export', '--format', 'bash'], ['exec', '--', 'true'], ['whoami']]) {
  test(`no terminal, $BROWSER set: \`${args[0]}\` starts no login and says which command does`, async () => {
    loggedOut();
    const r = await cli(sb, args, { env: userEnv });
    assert.is.not(r.code, 0, r.stderr);
    assert.is(r.stdout, '');
    assert.match(r.stderr, /atmos-auth login/);
    assert.ok(!existsSync(canary), 'the browser was started');
    assert.is(fake.count('Authorize'), 0);
    assert.is(fake.count('StartDeviceAuthorization'), 0);
  });
}

test('ATMOS_AUTH_IMPLICIT_LOGIN=always: the explicit switch signs in without a terminal', async () => {
  loggedOut();
  const r = await cli(sb, ['export'], { env: { ...userEnv, ATMOS_AUTH_IMPLICIT_LOGIN: 'always' } });
  assert.is(r.code, 0, r.stderr);
  assert.ok(parseExports(r.stdout).AWS_SESSION_TOKEN);
  assert.ok(existsSync(canary));
  assert.is(fake.count('Authorize'), 1);
});

test('explicit `atmos-auth login` needs no switch: asked for, it uses $BROWSER', async () => {
  loggedOut();
  const r = await cli(sb, ['login'], { env: userEnv });
  assert.is(r.code, 0, r.stderr);
  assert.ok(existsSync(canary));
  assert.is(fake.count('Authorize'), 1);
});

/** An interactive bash in tmux with the hook; `env` on top of the sandbox's. */
function terminal(env: Record<string, string>): TmuxShell {
  const t = new TmuxShell('bash');
  const rc = join(sb.dir, 'bashrc');
  writeFileSync(rc, `source '${hookFile(sb.dir, 'bash')}'\nPS1='$ '\n`);
  const e: NodeJS.ProcessEnv = { ...sb.env, ...env, TERM: 'xterm' };
  for (const [k, v] of Object.entries(e)) if (v === '') delete e[k];
  terminals.push(t);
  t.start(['bash', '--noprofile', '--rcfile', rc, '-i'], e, sb.dir);
  return t;
}

test('in a real terminal the hook signs in through $BROWSER with no switch set', async () => {
  loggedOut();
  const tmux = terminal(userEnv);
  await tmux.waitFor(/\$ $/m);
  // bash's hook runs before the next prompt: the cd, then a look at what the prompt brought.
  await tmux.run(`cd '${sb.stackDir('plat/dev')}'`, 60_000);
  const out = await tmux.run('echo "id=${ATMOS_AUTH_IDENTITY-unset}"', 60_000);
  assert.match(out, /id=plat-dev\/terraform/, tmux.capture());
  assert.ok(existsSync(canary), 'the browser was started');
  assert.is(fake.count('Authorize'), 1);
});

test('ATMOS_AUTH_IMPLICIT_LOGIN=never: not even a terminal starts a login from the hook', async () => {
  loggedOut();
  const tmux = terminal({ ...userEnv, ATMOS_AUTH_IMPLICIT_LOGIN: 'never' });
  await tmux.waitFor(/\$ $/m);
  await tmux.run(`cd '${sb.stackDir('plat/dev')}'`, 60_000);
  const out = await tmux.run('echo "id=${ATMOS_AUTH_IDENTITY-unset}"', 60_000);
  assert.match(out, /id=unset/, tmux.capture());
  assert.match(tmux.capture(), /atmos-auth login/);
  assert.ok(!existsSync(canary));
  assert.is(fake.count('Authorize'), 0);
});

test.run();
