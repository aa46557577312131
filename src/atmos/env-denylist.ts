/**
 * Names an identity's `env:` entries may not set. Atmos applies `env:` as given
 * (pkg/auth/identities/aws/permission_set.go:204, user.go:809: last write wins, even over
 * AWS_REGION), but Atmos applies them to one child process it starts; atmos-auth applies them to
 * the user's interactive shell on a `cd`, from YAML a `git pull` can change. So a name that makes a
 * shell, a dynamic loader or a language runtime run code, that sends credentials or TLS elsewhere,
 * or that is atmos-auth's own (credentials, markers, hook inputs) is refused with the reason below.
 *
 * Names match case-insensitively: zsh ties `path` to PATH, proxies are read in both cases, and no
 * legitimate identity needs two spellings of one of these. A deny-list cannot name every program
 * that reads a variable (SECURITY.md says what remains the repository's choice).
 */

/** One rule: an exact NAME, a `PREFIX*` or a `*SUFFIX`, and why it is refused. */
type Rule = readonly [pattern: string, reason: string];

const CODE = 'makes the shell, the dynamic loader or a runtime run code';
const REDIRECT = 'sends credentials, requests or TLS trust elsewhere';
const OURS = 'is set by atmos-auth itself (credentials, markers or hook inputs)';
const READONLY = 'is read-only or special in bash, zsh or fish (an assignment fails or changes the shell itself)';

/** The deny-list, with a reason per entry (also in SECURITY.md). */
export const ENV_DENYLIST: readonly Rule[] = [
  // The shell and the dynamic loader: command lookup, startup files, prompts, word splitting.
  ['PATH', `${CODE}: command lookup`],
  ['LD_*', `${CODE}: the dynamic loader (LD_PRELOAD, LD_LIBRARY_PATH, LD_AUDIT)`],
  ['DYLD_*', `${CODE}: the macOS dynamic loader`],
  ['GCONV_PATH', `${CODE}: glibc loads character-set modules from it`],
  ['BASH_ENV', `${CODE}: bash sources it at startup`],
  ['ENV', `${CODE}: sh and bash in POSIX mode source it at startup`],
  ['BASH_*', `${CODE}: bash settings (BASH_ENV, BASH_XTRACEFD, BASH_COMPAT)`],
  ['SHELLOPTS', `${CODE}: turns on bash options in every subshell`],
  ['BASHOPTS', `${CODE}: turns on bash options in every subshell`],
  ['PROMPT_COMMAND', `${CODE}: bash runs it before each prompt`],
  ['PS0', `${CODE}: prompt strings are expanded (command substitution)`],
  ['PS1', `${CODE}: prompt strings are expanded (command substitution)`],
  ['PS2', `${CODE}: prompt strings are expanded (command substitution)`],
  ['PS3', `${CODE}: prompt strings are expanded (command substitution)`],
  ['PS4', `${CODE}: prompt strings are expanded (command substitution)`],
  ['PROMPT', `${CODE}: zsh prompt string`],
  ['PROMPT2', `${CODE}: zsh prompt string`],
  ['PROMPT3', `${CODE}: zsh prompt string`],
  ['PROMPT4', `${CODE}: zsh prompt string`],
  ['RPROMPT', `${CODE}: zsh prompt string`],
  ['RPS1', `${CODE}: zsh prompt string`],
  ['RPS2', `${CODE}: zsh prompt string`],
  ['*_FUNCTIONS', `${CODE}: zsh hook arrays (precmd_functions, chpwd_functions ...)`],
  ['NULLCMD', `${CODE}: zsh runs it for a redirection without a command`],
  ['READNULLCMD', `${CODE}: zsh runs it for a redirection without a command`],
  ['POSTEDIT', `${CODE}: zsh prints it after each edit`],
  ['PERIOD', `${CODE}: zsh periodic hook schedule`],
  ['IFS', `${CODE}: changes how every unquoted expansion splits`],
  ['ZDOTDIR', `${CODE}: zsh reads its startup files from there`],
  ['ZSH_*', `${CODE}: zsh and zsh framework settings`],
  ['FISH_*', `${CODE}: fish settings (fish_user_paths, fish_function_path)`],
  ['FPATH', `${CODE}: zsh autoloads functions from it`],
  ['CDPATH', `${CODE}: changes where cd goes, and so which repository the hook reads`],
  ['INPUTRC', `${CODE}: readline key bindings can type commands`],
  ['HIST*', 'rewrites or redirects the shell history file'],
  ['TMOUT', 'ends an idle interactive shell'],
  ['PWD', "is the shell's own (the hook decides from it)"],
  ['OLDPWD', "is the shell's own"],
  ['SHELL', "is the shell's own"],
  ['HOME', `${REDIRECT}: every tool's config and credentials live under it`],
  ['TMPDIR', 'moves every temporary file (symlink attacks)'],
  ['SECONDS', "is the shell's clock (the hook's expiry check reads it)"],
  ['EPOCHSECONDS', "is the shell's clock (the hook's expiry check reads it)"],
  ['EPOCHREALTIME', "is the shell's clock"],
  ['RANDOM', "is the shell's own"],
  ['REPLY', 'is used by the hook itself'],
  ['_*', 'shell-private variables (bash `_`, the hook state __atmos_auth_*)'],
  ['UID', READONLY],
  ['EUID', READONLY],
  ['GID', READONLY],
  ['EGID', READONLY],
  ['PPID', READONLY],
  ['BASHPID', READONLY],
  ['USERNAME', READONLY],
  ['SHLVL', READONLY],
  ['LINENO', READONLY],
  ['GROUPS', READONLY],
  ['FUNCNAME', READONLY],
  ['DIRSTACK', READONLY],
  ['PIPESTATUS', READONLY],
  ['STATUS', READONLY],
  ['VERSION', READONLY],
  ['HOSTNAME', READONLY],
  ['UMASK', READONLY],
  ['ARGV', READONLY],
  ['ERRNO', READONLY],
  ['OPTIND', READONLY],
  ['OPTARG', READONLY],
  ['TTY', READONLY],
  ['TTYIDLE', READONLY],
  ['MAIL', 'shell mail checks'],
  ['MAILPATH', 'shell mail checks print its messages'],
  ['MAILCHECK', 'shell mail checks'],
  // Language runtimes and tools that load or run code named by a variable.
  ['NODE_OPTIONS', `${CODE}: Node (atmos-auth itself) loads modules named there (--require, --import)`],
  ['NODE_PATH', `${CODE}: Node module lookup`],
  ['NODE_TLS_REJECT_UNAUTHORIZED', `${REDIRECT}: turns off TLS verification in Node`],
  ['NODE_EXTRA_CA_CERTS', `${REDIRECT}: Node trusts these certificates`],
  ['PYTHONPATH', `${CODE}: Python module lookup`],
  ['PYTHONSTARTUP', `${CODE}: Python runs it at startup`],
  ['PYTHONHOME', `${CODE}: Python standard library location`],
  ['PERL5LIB', `${CODE}: Perl module lookup`],
  ['PERLLIB', `${CODE}: Perl module lookup`],
  ['PERL5OPT', `${CODE}: Perl command-line options (-M loads modules)`],
  ['RUBYOPT', `${CODE}: Ruby command-line options (-r loads files)`],
  ['RUBYLIB', `${CODE}: Ruby library lookup`],
  ['JAVA_TOOL_OPTIONS', `${CODE}: JVM options (-javaagent)`],
  ['JDK_JAVA_OPTIONS', `${CODE}: JVM options (-javaagent)`],
  ['GIT_*', `${CODE}: git runs GIT_SSH_COMMAND, GIT_EXTERNAL_DIFF, GIT_ASKPASS, config from GIT_CONFIG_*`],
  ['SSH_*', `${REDIRECT}: SSH_AUTH_SOCK hands over your agent, SSH_ASKPASS runs a program`],
  ['PAGER', `${CODE}: the program tools run to page output`],
  ['MANPAGER', `${CODE}: the program man runs`],
  ['LESSOPEN', `${CODE}: less runs it on every file`],
  ['LESSCLOSE', `${CODE}: less runs it on every file`],
  ['EDITOR', `${CODE}: the program tools run to edit`],
  ['VISUAL', `${CODE}: the program tools run to edit`],
  ['BROWSER', `${CODE}: the program atmos-auth and others run to open a login URL`],
  ['KUBECONFIG', `${CODE}: kubeconfig exec credential plugins run programs (Atmos sets it through integrations, not env:)`],
  ['DOCKER_CONFIG', `${REDIRECT}: docker credential helpers and registry credentials`],
  ['DOCKER_HOST', `${REDIRECT}: which daemon docker sends commands and credentials to`],
  ['GNUPGHOME', `${REDIRECT}: which keys gpg trusts and signs with`],
  ['XDG_*', `${REDIRECT}: moves atmos-auth's trust records, caches and code caches, and every tool's config`],
  // AWS: endpoints, TLS, proxies, config files and the other credential sources.
  ['AWS_ENDPOINT_URL*', `${REDIRECT}: AWS SDKs send requests and credentials there`],
  ['AWS_CA_BUNDLE', `${REDIRECT}: AWS SDKs trust these certificates`],
  ['AWS_CONFIG_FILE', `${REDIRECT}: another AWS config (profile mode sets it)`],
  ['AWS_SHARED_CREDENTIALS_FILE', `${REDIRECT}: another AWS credentials file`],
  ['AWS_PROFILE', `${OURS}: removed while an identity is active (Atmos reads it as an input)`],
  ['AWS_DEFAULT_PROFILE', `${REDIRECT}: another AWS profile`],
  ['AWS_ROLE_ARN', `${REDIRECT}: web identity credentials instead of the identity's`],
  ['AWS_ROLE_SESSION_NAME', `${REDIRECT}: web identity credentials instead of the identity's`],
  ['AWS_WEB_IDENTITY_TOKEN_FILE', `${REDIRECT}: web identity credentials instead of the identity's`],
  ['AWS_CONTAINER_*', `${REDIRECT}: container credentials endpoint and its token`],
  ['AWS_EC2_METADATA_SERVICE_ENDPOINT', `${REDIRECT}: instance metadata credentials endpoint`],
  ['AWS_SECURITY_TOKEN', `${OURS}: a stale name for the session token`],
  ['AWS_ACCESS_KEY_ID', `${OURS}: the identity's credentials`],
  ['AWS_SECRET_ACCESS_KEY', `${OURS}: the identity's credentials`],
  ['AWS_SESSION_TOKEN', `${OURS}: the identity's credentials`],
  ['AWS_CREDENTIAL_EXPIRATION', `${OURS}: the identity's credentials`],
  ['HTTP_PROXY', `${REDIRECT}: a proxy sees every request`],
  ['HTTPS_PROXY', `${REDIRECT}: a proxy sees every request`],
  ['ALL_PROXY', `${REDIRECT}: a proxy sees every request`],
  ['NO_PROXY', `${REDIRECT}: decides which requests bypass the proxy`],
  ['SSL_CERT_FILE', `${REDIRECT}: OpenSSL-based tools trust these certificates`],
  ['SSL_CERT_DIR', `${REDIRECT}: OpenSSL-based tools trust these certificates`],
  ['REQUESTS_CA_BUNDLE', `${REDIRECT}: Python requests trusts these certificates`],
  ['CURL_CA_BUNDLE', `${REDIRECT}: curl trusts these certificates`],
  ['GITHUB_ENV', `${REDIRECT}: export --format github appends credentials to this file`],
  ['GITHUB_PATH', `${CODE}: GitHub Actions adds it to PATH`],
  ['ACTIONS_*', `${REDIRECT}: the GitHub Actions ID token endpoint (github/oidc)`],
  // atmos-auth and Atmos inputs.
  ['ATMOS_AUTH_*', `${OURS}`],
  ['ATMOS_IDENTITY', `${OURS}: an input of the hook and of Atmos (never exported)`],
  ['ATMOS_PROFILE', `${OURS}: an input of the hook and of Atmos`],
  ['ATMOS_CLI_CONFIG_PATH', `${OURS}: an input of the hook and of Atmos`],
  ['ATMOS_BASE_PATH', `${OURS}: an input of the hook and of Atmos`],
];

let index: { exact: Map<string, string>; prefixes: [string, string][]; suffixes: [string, string][] } | undefined;

/** Why `name` may not be set from an identity's `env:` (case-insensitive), or null when it may. */
export function envDenial(name: string): string | null {
  // Built on first use: a warm `cd` whose identity has no env: never pays for it.
  if (!index) {
    index = { exact: new Map(), prefixes: [], suffixes: [] };
    for (const [p, why] of ENV_DENYLIST) {
      if (p.endsWith('*')) index.prefixes.push([p.slice(0, -1), why]);
      else if (p.startsWith('*')) index.suffixes.push([p.slice(1), why]);
      else index.exact.set(p, why);
    }
  }
  const n = name.toUpperCase();
  const hit = index.exact.get(n);
  if (hit) return hit;
  for (const [p, why] of index.prefixes) if (n.startsWith(p)) return why;
  for (const [s, why] of index.suffixes) if (n.endsWith(s)) return why;
  return null;
}
