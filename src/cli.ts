#!/usr/bin/env node
/**
 * The command table, nothing else: each command's module is imported only when that command runs,
 * so `atmos-auth export` never loads what `login` needs. The built executable starts in bin.ts
 * (compile cache, then this module); from source, `node src/cli.ts` runs it directly.
 */
import type { Argv } from 'yargs';
import { reportError } from './errors.ts';
import { fastCommand, runCredentialProcess, runExport } from './fast-path.ts';

declare const ATMOS_AUTH_VERSION: string | undefined;
/** Set by the build (scripts/build.ts); 'dev' when run from source. */
const VERSION = typeof ATMOS_AUTH_VERSION === 'string' ? ATMOS_AUTH_VERSION : 'dev';

/** Options every command that resolves a directory understands. */
function withResolveOptions<T>(y: Argv<T>) {
  return y
    .option('dir', { type: 'string', describe: 'directory to resolve (default: the current one)' })
    .option('profile', { type: 'string', describe: 'Atmos profile(s), comma separated (default: $ATMOS_PROFILE)' });
}

/** `--stack`/`-s` and `--component`/`-c`: the identity Atmos uses for `atmos terraform <cmd> C -s S`. */
function withStackOptions<T>(y: Argv<T>) {
  return y
    .option('stack', { alias: 's', type: 'string', describe: 'a stack by name, found among all stacks as Atmos does (instead of the directory\'s)' })
    .option('component', { alias: 'c', type: 'string', describe: 'a terraform component of --stack: its auth section can choose another identity' });
}

async function main(argv: string[]): Promise<number> {
  // The hook's own invocations skip yargs (about 100 ms to load): see fast-path.ts.
  const fast = fastCommand(argv);
  if (fast) return fast();
  // Run from source (bin.ts routes it in the build): shell completion without yargs.
  if (argv[0] === '__complete') return (await import('./commands/complete.ts')).run(argv.slice(1));
  let code = 0;
  const set = (c: number | void) => { code = c ?? 0; };
  const { default: yargs } = await import('yargs');
  await yargs(argv)
    .scriptName('atmos-auth')
    .usage('$0 <command>\n\nAtmos authentication in your shell: the identity of the stack you are in, as AWS credentials.')
    .command('resolve', 'which stacks and identity this directory means (offline)', (y) =>
      withStackOptions(withResolveOptions(y))
        .option('json', { type: 'boolean', describe: 'print JSON' })
        .option('cache', { type: 'boolean', default: true, describe: 'use the resolution and parse caches; --no-cache reads every file afresh (debugging)' }),
      async (a) => set(await (await import('./commands/resolve.ts')).run(a)))
    .command('list', 'identities of the active profile, and the stacks that default to each', (y) =>
      withResolveOptions(y)
        .option('json', { type: 'boolean', describe: 'print JSON' })
        .option('tags', { type: 'string', describe: 'only identities with any of these tags (comma separated, exact match), as `atmos auth list --tags`' })
        .option('matrix', { type: 'boolean', describe: 'every profile of the repository (columns; --profile a,b: those) x identities (rows): the permission set or role and its access level' })
        .option('markdown', { type: 'boolean', describe: 'with --matrix: a GitHub markdown table' })
        .option('group', { type: 'boolean', default: true, describe: 'with --matrix: identities of one name family with the same cells share a row; --no-group: one row each' })
        .conflicts('matrix', 'tags')
        .conflicts('json', 'markdown')
        .implies('markdown', 'matrix'),
      async (a) => set(await (await import('./commands/list.ts')).run(a)))
    .command('export', 'print the lines that put this shell into the directory\'s identity (the hook runs this)', (y) =>
      withStackOptions(withResolveOptions(y))
        .option('format', { type: 'string', default: 'bash', describe: 'bash | zsh | sh | fish | dotenv | json | github' })
        .option('identity', { type: 'string', describe: 'use this identity instead of the stacks\' default (as ATMOS_IDENTITY)' })
        .option('login', { type: 'boolean', default: true, describe: 'log in when needed (only with a terminal on stdin and stderr, or ATMOS_AUTH_IMPLICIT_LOGIN=always); --no-login never does' })
        .option('mode', { type: 'string', choices: ['env', 'profile'], describe: 'env: keys in the environment; profile: AWS_CONFIG_FILE + AWS_PROFILE whose credential_process refreshes by itself (default: $ATMOS_AUTH_MODE, else env; see docs/profile-mode.md)' })
        .epilog('On error nothing is printed on stdout (one message on stderr, non-zero exit). Where no identity applies, prints the lines that clear what atmos-auth set.\n\n'
          + '--format github (GitHub Actions): when $GITHUB_ENV is set, the variables are appended to that file by atmos-auth itself and stdout carries only ::add-mask:: lines for the secrets, so a step is just `atmos-auth export --format github` (do NOT redirect it into $GITHUB_ENV). Without $GITHUB_ENV the env-file text goes to stdout.\n\n'
          + 'Cached credentials are reused while at least ATMOS_AUTH_MIN_TTL seconds (default 900) remain.\n\n'
          + 'Trust: in a repository you have not allowed (`atmos-auth allow`), export without --identity reads none of its YAML, makes no network call, serves no cached credentials and exits 3 with one line naming the command to run; the same when a pinned start URL/region, account, permission set or role changed since. With --identity it proceeds and names the start URL on stderr.'),
      async (a) => set(await runExport(a)))
    .command('login', 'sign in to SSO for an identity (default: the directory\'s) or a provider, and cache its credentials', (y) =>
      withResolveOptions(y)
        .option('identity', { type: 'string', describe: 'identity to log in (default: the directory\'s)' })
        .option('provider', { type: 'string', describe: 'SSO provider to sign in to (e.g. acme-sso)' })
        .option('device-code', { type: 'boolean', describe: 'use the device code flow (open the URL on any device)' })
        .option('force', { type: 'boolean', describe: 'sign in again even if the session is still valid' })
        .conflicts('identity', 'provider'),
      async (a) => set(await (await import('./commands/login.ts')).run(a)))
    .command('logout', 'sign out of SSO and delete cached credentials (default: the provider of the directory\'s identity)', (y) =>
      withResolveOptions(y)
        .option('identity', { type: 'string', describe: 'only delete the cached credentials of this identity' })
        .option('provider', { type: 'string', describe: 'sign out of this SSO provider and delete what came from it' })
        .option('all', { type: 'boolean', describe: 'sign out of every known SSO session and delete every cached credential' })
        .conflicts('identity', ['provider', 'all'])
        .conflicts('provider', 'all'),
      async (a) => set(await (await import('./commands/logout.ts')).run(a)))
    .command('whoami', 'ask AWS STS who the directory\'s identity is (account, ARN)', (y) =>
      withStackOptions(withResolveOptions(y))
        .option('identity', { type: 'string', describe: 'use this identity instead of the directory\'s' })
        .option('json', { type: 'boolean', describe: 'print JSON' })
        .option('login', { type: 'boolean', default: true, describe: 'log in when needed (from a terminal); --no-login never does' }),
      async (a) => set(await (await import('./commands/whoami.ts')).run(a)))
    .command('console', 'open the AWS web console as the directory\'s identity (federation sign-in; --print-only prints the URL)', (y) =>
      withResolveOptions(y)
        .option('identity', { type: 'string', describe: 'use this identity instead of the directory\'s' })
        .option('destination', { type: 'string', describe: 'console page: a URL or an alias (s3, ec2, iam, cloudformation ...; --list-destinations)' })
        .option('duration', { type: 'string', describe: 'accepted as Atmos accepts it; AWS sets the session length from the credentials (see README)' })
        .option('issuer', { type: 'string', describe: 'shown by AWS as where the sign-in came from (default atmos-auth)' })
        .option('print-only', { type: 'boolean', describe: 'print the login URL on stdout (it holds a 15-minute sign-in token) and open nothing' })
        .option('list-destinations', { type: 'boolean', describe: 'list the destination aliases' })
        .option('login', { type: 'boolean', default: true, describe: 'log in when needed (from a terminal); --no-login never does' }),
      async (a) => set(await (await import('./commands/console.ts')).run(a)))
    .command('eks', 'kubectl for the identity\'s aws/eks integrations', (y) =>
      y.command('token', 'print an ExecCredential for kubectl (the kubeconfig atmos-auth writes runs this); never opens a browser', (z) =>
        z.option('cluster-name', { type: 'string', demandOption: true, describe: 'EKS cluster name' })
          .option('region', { type: 'string', demandOption: true, describe: 'the cluster\'s region' })
          .option('identity', { type: 'string', demandOption: true, describe: 'the identity whose credentials sign the token' })
          .option('root', { type: 'string', describe: 'the Atmos repository to resolve the identity in (default: the current directory\'s)' })
          .option('profile', { type: 'string', describe: 'Atmos profile(s), comma separated (default: $ATMOS_PROFILE)' }),
        async (a) => set(await (await import('./commands/eks.ts')).runToken(a)))
        .command('kubeconfig', 'write the kubeconfig of the directory\'s identity (one context per aws/eks integration) and print its path', (z) =>
          withResolveOptions(z)
            .option('identity', { type: 'string', describe: 'use this identity instead of the directory\'s' })
            .option('login', { type: 'boolean', default: true, describe: 'log in when needed (from a terminal); --no-login never does' }),
        async (a) => set(await (await import('./commands/eks.ts')).runKubeconfig(a)))
        .demandCommand(1, 'name a subcommand: token or kubeconfig'),
      () => {})
    .command('ecr', 'docker for the identity\'s aws/ecr integrations', (y) =>
      y.command('login', 'write the identity\'s ECR registry logins into its own docker config directory and print it (DOCKER_CONFIG)', (z) =>
        withResolveOptions(z)
          .option('identity', { type: 'string', describe: 'use this identity instead of the directory\'s' })
          .option('login', { type: 'boolean', default: true, describe: 'log in when needed (from a terminal); --no-login never does' }),
      async (a) => set(await (await import('./commands/ecr.ts')).runLogin(a)))
        .demandCommand(1, 'name a subcommand: login'),
      () => {})
    .command('docker-credential <action>', false, (y) =>
      y.positional('action', { type: 'string', demandOption: true }),
      async (a) => set(await (await import('./commands/docker-credential.ts')).run({ action: String(a.action) })))
    .command('doctor', 'check everything a cd needs for credentials (repository, trust, profile, identity, SSO session, clock, permission set, caches, hook), with the fix for each problem', (y) =>
      withStackOptions(withResolveOptions(y))
        .option('json', { type: 'boolean', describe: 'print JSON: {checks: [{id, status: ok|warn|fail|skip, summary, fix?, detail?}], ok}' })
        .option('offline', { type: 'boolean', describe: 'skip the network checks (clock, permission-set assignment)' })
        .epilog('Network checks run only for an allowed repository with a valid or refreshable SSO session, and never open a browser. Exit 0 when nothing failed, 1 otherwise.'),
      async (a) => set(await (await import('./commands/doctor.ts')).run(a)))
    .command('status', 'SSO sessions and cached credentials with the time they have left (offline)', (y) =>
      withResolveOptions(y).option('json', { type: 'boolean', describe: 'print JSON' }),
      async (a) => set(await (await import('./commands/status.ts')).run(a)))
    .command('exec [command..]', 'run a command with the identity\'s credentials in its environment: atmos-auth exec -- cmd args', (y) =>
      withStackOptions(withResolveOptions(y))
        .option('identity', { type: 'string', describe: 'use this identity instead of the directory\'s' })
        .option('login', { type: 'boolean', default: true, describe: 'log in when needed (from a terminal); --no-login never does' })
        .option('mode', { type: 'string', choices: ['env', 'profile'], describe: 'env: keys in the child\'s environment; profile: AWS_CONFIG_FILE + AWS_PROFILE, no secret (default: $ATMOS_AUTH_MODE, else env)' })
        .positional('command', { type: 'string', array: true, describe: 'the command and its arguments, after --' })
        .epilog('Credentials reach the command through its environment only, never its arguments. Its exit status is passed through; signals are forwarded.'),
      async (a) => set(await (await import('./commands/exec.ts')).run({ ...a, command: [...(a.command ?? []), ...a._.slice(1)].map(String) })))
    .command('credential-process', 'print credentials as AWS credential_process JSON (for ~/.aws/config); never opens a browser', (y) =>
      y
        .option('identity', { type: 'string', describe: 'the Atmos identity' })
        .option('profile', { type: 'string', describe: 'Atmos profile(s), comma separated (default: $ATMOS_PROFILE)' })
        .option('root', { type: 'string', describe: 'directory of the Atmos repository (default: the current one)' })
        .option('target', { type: 'string', describe: 'identity, profiles and repository as written by profile mode (one opaque word; instead of the three above)' })
        .check((a) => (a.identity || a.target ? true : 'name the identity: --identity NAME'))
        .epilog('In ~/.aws/config: credential_process = atmos-auth credential-process --identity plat-dev/terraform --profile developers --root /path/to/repo\n'
          + 'When the SSO session has expired it fails with one message naming `atmos-auth login`.'),
      async (a) => set(await runCredentialProcess(a)))
    .command('user', 'IAM user keys (identity kind aws/user)', (y) =>
      y.command('configure <identity>', 'store the access keys of an aws/user identity where Atmos keeps them: the OS keychain (else a 0600 file); prompted without echo, or one per line on stdin', (z) =>
        withResolveOptions(z).positional('identity', { type: 'string', demandOption: true, describe: 'the aws/user identity' }),
        async (a) => set(await (await import('./commands/user.ts')).run({ ...a, identity: String(a.identity) })))
        .demandCommand(1, 'name an action: atmos-auth user configure <identity>'),
      () => {})
    .command('hook <shell>', 'print the shell hook to load in your rc file: eval "$(atmos-auth hook zsh)", or `atmos-auth hook fish | source`', (y) =>
      y.positional('shell', { type: 'string', choices: ['zsh', 'bash', 'fish'], demandOption: true }),
      async (a) => set(await (await import('./commands/hook.ts')).run(a)))
    .command('completion <shell>', 'print the shell completion script: source <(atmos-auth completion zsh), or save it (install.sh --shell does)', (y) =>
      y.positional('shell', { type: 'string', choices: ['zsh', 'bash', 'fish'], demandOption: true }),
      async (a) => set(await (await import('./commands/completion.ts')).run(a)))
    .command('direnv', 'print the direnv library defining `use atmos` (save it as ~/.config/direnv/lib/use_atmos.sh)', (y) =>
      withResolveOptions(y)
        .option('watch-files', { type: 'boolean', describe: 'print the watch_file line for the directory (use_atmos runs this)' })
        .option('identity', { type: 'string', describe: 'identity to use instead of the stacks\' default' }),
      async (a) => set(await (await import('./commands/direnv.ts')).run(a)))
    .command('prompt', 'print the prompt segment (identity, access, time left) from the environment', (y) =>
      y.option('init', { type: 'string', choices: ['zsh', 'bash', 'fish'], describe: 'print the atmos_auth_prompt shell function instead' })
        .option('zsh', { type: 'boolean', describe: 'escape % for zsh prompt expansion' }),
      async (a) => set(await (await import('./commands/prompt.ts')).run(a)))
    .command('allow [dir]', 'trust the Atmos repository holding dir (default: the current one), as `direnv allow`: pins each provider\'s start URL and region, and the accounts, permission sets and roles its identities reach', (y) =>
      y.positional('dir', { type: 'string', describe: 'a directory of the repository' })
        .option('profile', { type: 'string', describe: 'also pin this profile combination (every single profile is pinned anyway)' })
        .epilog('Until a repository is allowed, the hook and `export` make no network call, open no browser and serve no cached credentials there: '
          + `\`export\` exits 3 with one line naming the command to run, without reading the repository's YAML. A later change of a pinned value (a \`git pull\` pointing a provider at another start URL or region, or an identity at an account, permission set or role no identity reached) needs a new allow; the message names the identity, the old and the new value, and a new allow shows what changed.\n\n`
          + 'Explicit commands (login, exec, whoami, export --identity, credential-process) work without an allow, and say on stderr which start URL they sign in to. Records: trust/<hash>.json in the config directory, one per repository (see SECURITY.md).'),
      async (a) => set(await (await import('./commands/allow.ts')).run(a)))
    .command('deny [dir]', 'remove the allow record of the repository holding dir (default: the current one)', (y) =>
      y.positional('dir', { type: 'string', describe: 'a directory of the repository, or a path `atmos-auth allowed` lists' }),
      async (a) => set(await (await import('./commands/deny.ts')).run(a)))
    .command('allowed', 'list the allowed repositories and the values each allow pinned', (y) =>
      y.option('json', { type: 'boolean', describe: 'print JSON' }),
      async (a) => set(await (await import('./commands/allowed.ts')).run(a)))
    .demandCommand(1, 'name a command; `atmos-auth --help` lists them')
    .strict()
    .help()
    .version(VERSION)
    .fail((msg, err) => {
      if (err) throw err;
      process.stderr.write(`atmos-auth: ${msg}\n  run \`atmos-auth --help\` for usage\n`);
      process.exit(2);
    })
    .parseAsync();
  return code;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  process.exitCode = reportError(err);
}
