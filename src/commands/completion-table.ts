/**
 * The command line as shell completion sees it: commands, subcommands, flags and what each flag's
 * value is. A copy of cli.ts's yargs table, kept small so that completing costs no yargs load
 * (about 100 ms); test/shell/completion.test.ts compares it with every command's `--help`.
 */

/** What a value is: a dynamic kind read from the repository, a path, free text, or fixed choices. */
export type Values = 'identity' | 'profile' | 'stack' | 'provider' | 'destination' | 'dir' | 'file' | 'text' | readonly string[];

/** A flag: `values` absent for a boolean. */
export interface FlagSpec {
  values?: Values;
  /** A boolean yargs also takes as --no-X (its default is true). */
  negatable?: boolean;
  /** One-letter alias (-s). */
  short?: string;
  describe: string;
}

/** A command: its flags, subcommands, and what its positional argument is. */
export interface CommandSpec {
  describe: string;
  flags: Record<string, FlagSpec>;
  subcommands?: Record<string, CommandSpec>;
  positional?: Values;
}

const dir: FlagSpec = { values: 'dir', describe: 'directory to resolve' };
const profile: FlagSpec = { values: 'profile', describe: 'Atmos profile(s), comma separated' };
const identity: FlagSpec = { values: 'identity', describe: 'use this identity' };
const login: FlagSpec = { negatable: true, describe: 'log in when needed' };
const json: FlagSpec = { describe: 'print JSON' };
const resolveFlags = { dir, profile };
const stackFlags = {
  stack: { values: 'stack', short: 's', describe: 'a stack by name' },
  component: { values: 'text', short: 'c', describe: 'a terraform component of --stack' },
} satisfies Record<string, FlagSpec>;
const mode: FlagSpec = { values: ['env', 'profile'], describe: 'env: keys in the environment; profile: AWS_CONFIG_FILE + AWS_PROFILE' };
const shells = ['zsh', 'bash', 'fish'] as const;

/** Shells with a completion script. */
export const COMPLETION_SHELLS = shells;

/** Every visible command (docker-credential is hidden, as in --help). */
export const COMMANDS: Record<string, CommandSpec> = {
  resolve: {
    describe: 'which stacks and identity this directory means (offline)',
    flags: { ...resolveFlags, ...stackFlags, json, cache: { negatable: true, describe: 'use the resolution and parse caches' } },
  },
  list: {
    describe: 'identities of the active profile; --matrix: every profile',
    flags: {
      ...resolveFlags, json,
      tags: { values: 'text', describe: 'only identities with any of these tags' },
      matrix: { describe: 'profiles x identities: permission set or role and access level' },
      markdown: { describe: 'with --matrix: a GitHub markdown table' },
      group: { negatable: true, describe: 'with --matrix: group identities with equal cells' },
    },
  },
  export: {
    describe: 'print the lines that put this shell into the directory\'s identity',
    flags: {
      ...resolveFlags, ...stackFlags,
      format: { values: ['bash', 'zsh', 'sh', 'fish', 'dotenv', 'json', 'github'], describe: 'output format' },
      identity, login, mode,
    },
  },
  login: {
    describe: 'sign in to SSO for an identity or a provider',
    flags: {
      ...resolveFlags, identity,
      provider: { values: 'provider', describe: 'SSO provider to sign in to' },
      'device-code': { describe: 'use the device code flow' },
      force: { describe: 'sign in again even if the session is still valid' },
    },
  },
  logout: {
    describe: 'sign out of SSO and delete cached credentials',
    flags: {
      ...resolveFlags, identity,
      provider: { values: 'provider', describe: 'sign out of this SSO provider' },
      all: { describe: 'sign out of every SSO session, delete every cached credential' },
    },
  },
  whoami: { describe: 'ask AWS STS who the directory\'s identity is', flags: { ...resolveFlags, ...stackFlags, identity, json, login } },
  console: {
    describe: 'open the AWS web console as the directory\'s identity',
    flags: {
      ...resolveFlags, identity,
      destination: { values: 'destination', describe: 'console page: a URL or an alias' },
      duration: { values: 'text', describe: 'session duration' },
      issuer: { values: 'text', describe: 'shown by AWS as where the sign-in came from' },
      'print-only': { describe: 'print the login URL and open nothing' },
      'list-destinations': { describe: 'list the destination aliases' },
      login,
    },
  },
  eks: {
    describe: 'kubectl for the identity\'s aws/eks integrations',
    flags: {},
    subcommands: {
      token: {
        describe: 'print an ExecCredential for kubectl',
        flags: {
          'cluster-name': { values: 'text', describe: 'EKS cluster name' },
          region: { values: 'text', describe: 'the cluster\'s region' },
          identity,
          root: { values: 'dir', describe: 'the Atmos repository' },
          profile,
        },
      },
      kubeconfig: { describe: 'write the kubeconfig of the directory\'s identity', flags: { ...resolveFlags, identity, login } },
    },
  },
  ecr: {
    describe: 'docker for the identity\'s aws/ecr integrations',
    flags: {},
    subcommands: { login: { describe: 'write the identity\'s ECR registry logins', flags: { ...resolveFlags, identity, login } } },
  },
  doctor: { describe: 'check everything a cd needs for credentials, with the fix for each problem', flags: { ...resolveFlags, ...stackFlags, json, offline: { describe: 'skip the network checks (clock, permission-set assignment)' } } },
  status: { describe: 'SSO sessions and cached credentials with the time they have left', flags: { ...resolveFlags, json } },
  exec: { describe: 'run a command with the identity\'s credentials', flags: { ...resolveFlags, ...stackFlags, identity, login, mode }, positional: 'file' },
  'credential-process': {
    describe: 'print credentials as AWS credential_process JSON',
    flags: {
      identity, profile,
      root: { values: 'dir', describe: 'directory of the Atmos repository' },
      target: { values: 'text', describe: 'identity, profiles and repository as profile mode writes them' },
    },
  },
  user: {
    describe: 'IAM user keys (identity kind aws/user)',
    flags: {},
    subcommands: { configure: { describe: 'store the access keys of an aws/user identity', flags: { ...resolveFlags }, positional: 'identity' } },
  },
  hook: { describe: 'print the shell hook to load in your rc file', flags: {}, positional: shells },
  completion: { describe: 'print the shell completion script', flags: {}, positional: shells },
  direnv: {
    describe: 'print the direnv library defining `use atmos`',
    flags: { ...resolveFlags, 'watch-files': { describe: 'print the watch_file line for the directory' }, identity },
  },
  prompt: {
    describe: 'print the prompt segment from the environment',
    flags: { init: { values: shells, describe: 'print the atmos_auth_prompt shell function' }, zsh: { describe: 'escape % for zsh prompt expansion' } },
  },
  allow: { describe: 'trust the Atmos repository holding dir', flags: { profile }, positional: 'dir' },
  deny: { describe: 'remove the allow record of the repository holding dir', flags: {}, positional: 'dir' },
  allowed: { describe: 'list the allowed repositories', flags: { json } },
};

/** Flags every command takes. */
export const GLOBAL_FLAGS: Record<string, FlagSpec> = { help: { describe: 'show help' }, version: { describe: 'show version number' } };
