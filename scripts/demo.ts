// The demo (README's first command runs it through install.sh --demo): the local AWS emulator on
// loopback, a temporary HOME, a copy of examples/acme, and a real interactive bash on a pty
// (util-linux `script`) with the atmos-auth hook loaded. It cds into plat/dev as a developer (the
// browser step of the SSO login is answered by the emulator), shows the exports, whoami and the
// prompt, switches to prod (plan only), and leaves (the previous environment comes back).
// Nothing outside the temporary directory is touched; it is removed at the end.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const node = process.execPath;
const bundle = join(root, 'dist/atmos-auth.mjs');
const say = (s: string) => process.stdout.write(`\x1b[1m${s}\x1b[0m\n`);

if (!existsSync(bundle)) {
  const b = spawnSync(node, [join(root, 'scripts/build.ts')], { stdio: 'inherit' });
  if (b.status !== 0) process.exit(1);
}

const tmp = mkdtempSync(join(tmpdir(), 'atmos-auth-demo-'));
const home = join(tmp, 'home');
const bin = join(tmp, 'bin');
const repo = join(tmp, 'acme');
mkdirSync(home, { recursive: true });
mkdirSync(bin);
cpSync(join(root, 'examples/acme'), repo, { recursive: true });

// `atmos-auth` on the demo shell's PATH, running this Node (the system's may be too old).
const wrapper = join(bin, 'atmos-auth');
writeFileSync(wrapper, `#!/bin/sh\nexec '${node}' '${bundle}' "$@"\n`);
chmodSync(wrapper, 0o755);

let emulator: ChildProcess | undefined;
function cleanup(): void {
  emulator?.kill('SIGTERM');
  rmSync(tmp, { recursive: true, force: true });
}
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));

async function startEmulator(): Promise<string> {
  emulator = spawn(node, [join(root, 'test/fake-aws/main.ts'), '--quiet'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: emulator.stdout! });
  for await (const line of lines) {
    const m = /^FAKE_AWS_URL=(.+)$/.exec(line);
    if (m) return m[1]!;
  }
  throw new Error('the AWS emulator did not start');
}

const url = await startEmulator();
say(`AWS emulator (SSO OIDC, SSO portal, STS) listening on ${url}`);
say(`Atmos repository: ${repo} (a copy of examples/acme)\n`);

// The rc file of the scripted shell: what a user has in ~/.bashrc, plus the emulator's endpoints.
const rc = join(tmp, 'bashrc');
writeFileSync(rc, [
  `export HOME='${home}' PATH='${bin}':"$PATH"`,
  `export AWS_ENDPOINT_URL_SSO_OIDC='${url}' AWS_ENDPOINT_URL_SSO='${url}' AWS_ENDPOINT_URL_STS='${url}'`,
  `export AWS_CONFIG_FILE='${home}/.aws/config' AWS_EC2_METADATA_DISABLED=true`,
  // The "browser": follows the emulator's authorize redirect, as a signed-in user's browser would.
  `export BROWSER='${join(root, 'test/fake-aws/browser.sh')}' FAKE_AWS_NODE='${node}'`,
  'export ATMOS_PROFILE=developers',
  'export AWS_PROFILE=personal   # what the user had before: restored on leaving',
  'eval "$(atmos-auth hook bash)"',
  '__demo_ps1() { atmos_auth_prompt -v ATMOS_AUTH_PROMPT_TEXT; }',
  'PROMPT_COMMAND="${PROMPT_COMMAND:+$PROMPT_COMMAND$\'\\n\'}__demo_ps1"',
  `PS1='\\n\\[\\e[36m\\]\${ATMOS_AUTH_PROMPT_TEXT:+[\$ATMOS_AUTH_PROMPT_TEXT] }\\[\\e[0m\\]\\w \\$ '`,
  'show() { env | grep -E "^(AWS_|ATMOS_AUTH_)" | sort | sed -E "s/^(AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN)=.*/\\1=<secret, hidden here>/"; }',
  '',
].join('\n'));

const steps: [string, string][] = [
  ['Trust the repository once, as with direnv allow: it pins the SSO start URL and region, and the accounts and roles its identities reach', `atmos-auth allow ${repo}`],
  ['Enter the plat dev stacks as a developer: the hook signs in (browser step answered by the emulator) and exports the identity', `cd ${repo}/stacks/orgs/acme/plat/dev`],
  ['', 'show'],
  ['', 'atmos-auth whoami'],
  ['', 'atmos_auth_prompt; echo'],
  ['Switch to prod: developers may only plan there', 'cd ../prod'],
  ['', 'atmos-auth whoami'],
  ['', 'atmos_auth_prompt; echo'],
  ['Leave the repository: the environment the shell had before comes back', 'cd ~'],
  ['', 'show'],
  ['', 'exit'],
];

// Type the steps one at a time into a real interactive bash in tmux (a real terminal, so the hook
// may log in), waiting for each prompt, and print what the terminal shows.
const sock = `atmos-auth-demo-${process.pid}`;
const tmux = (...args: string[]) => spawnSync('tmux', ['-L', sock, ...args], { encoding: 'utf8' });
const started = tmux('new-session', '-d', '-s', 'demo', '-x', '160', '-y', '50', '-e', `HOME=${home}`, '-e', 'TERM=xterm', '-c', home, `bash --noprofile --rcfile '${rc}' -i`);
if (started.status !== 0) {
  const missing = (started.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
  process.stderr.write(missing
    ? 'demo: the demo drives a real terminal through tmux, which is not installed: apt-get install tmux (macOS: brew install tmux), then run it again\n'
    : `demo: could not start tmux: ${started.stderr}`);
  process.exit(1);
}
process.on('exit', () => tmux('kill-server'));
tmux('set-option', '-g', 'history-limit', '10000');
const screen = (): string[] => {
  const out = tmux('capture-pane', '-p', '-J', '-S', '-');
  return out.stdout.replace(/\s+$/, '').split('\n');
};
let shown = 0;
async function waitForPrompt(): Promise<string[]> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const lines = screen();
    if (/[$#] ?$/.test(lines[lines.length - 1] ?? '')) return lines;
    if (Date.now() > deadline) throw new Error(`the demo shell stopped answering; screen ends with:\n${lines.slice(-5).join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
function flush(lines: string[]): void {
  // Print what appeared since the last step, except the new prompt line (shown with the next command).
  const upto = lines.length - 1;
  for (const l of lines.slice(shown, upto)) process.stdout.write(`${l}\n`);
  shown = upto;
}
await waitForPrompt();
for (const [title, cmd] of steps) {
  if (title) process.stdout.write(`\n\x1b[1m# ${title}\x1b[0m\n`);
  tmux('send-keys', '-t', 'demo', '-l', cmd);
  tmux('send-keys', '-t', 'demo', 'Enter');
  if (cmd === 'exit') break;
  await new Promise((r) => setTimeout(r, 150));
  flush(await waitForPrompt());
}
say('\nDemo finished. Install the hook for real with ./install.sh --shell zsh (or bash, fish).');
process.exit(0);
