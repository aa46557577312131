/**
 * What the credential commands share: resolve the directory (with --identity acting as
 * ATMOS_IDENTITY does) and decide whether this run may open a browser.
 */
import { resolve as resolvePath } from 'node:path';
import { resolveDirectoryCached } from '../atmos/resolution-cache.ts';
import type { ChainHop, Resolution } from '../atmos/types.ts';
import { UsageError } from '../errors.ts';
import { paths } from '../paths.ts';
import type { LoginPolicy } from './types.ts';
import { isTerminal } from '../util/stdio.ts';

/** The options that pick a directory, profile and identity. */
export interface TargetArgs {
  dir?: string | undefined;
  profile?: string | undefined;
  identity?: string | undefined;
  /** A stack by name (`--stack`/`-s`), found among all stacks as Atmos does; instead of the directory's. */
  stack?: string | undefined;
  /** A terraform component of that stack (`--component`/`-c`): its `auth:` section applies. */
  component?: string | undefined;
  /** Called before any YAML is read (on a resolution cache miss): see resolveDirectoryCached. */
  beforeParse?: (() => void) | undefined;
}

/**
 * Resolves `dir` (default: cwd); `identity` overrides the stacks' default as ATMOS_IDENTITY does.
 * Goes through the resolution cache: an unchanged directory costs a few stat calls, no YAML.
 */
export async function resolveTarget(a: TargetArgs): Promise<Resolution> {
  // No copy of process.env (a copy reads every variable, a cost that grows with the user's
  // environment): the engine reads variables by name, through the prototype for the overlay.
  const env: NodeJS.ProcessEnv = a.identity ? Object.assign(Object.create(process.env) as NodeJS.ProcessEnv, { ATMOS_IDENTITY: a.identity }) : process.env;
  if (a.stack !== undefined || a.component !== undefined) return resolveSelected(a, env);
  return resolveDirectoryCached({ dir: resolvePath(a.dir ?? process.cwd()), profile: a.profile, env, beforeParse: a.beforeParse });
}

/**
 * `--stack`/`--component`: reads every stack of the repository (no resolution cache: the hook never
 * passes these), so `exec -s S -c C` gets the identity `atmos terraform plan C -s S` would.
 */
async function resolveSelected(a: TargetArgs, env: NodeJS.ProcessEnv): Promise<Resolution> {
  if (!a.stack) throw new UsageError('--component needs --stack (the stack the component is in)', { hint: 'e.g. --stack plat-use2-dev --component vpc' });
  const { resolveDirectory } = await import('../atmos/resolve.ts');
  return resolveDirectory({
    dir: resolvePath(a.dir ?? process.cwd()),
    ...(a.profile !== undefined ? { profile: a.profile } : {}),
    env,
    parseCacheDir: paths.cache,
    select: { stack: a.stack, ...(a.component ? { component: a.component } : {}) },
  });
}

/**
 * True when a login may be started without being asked for explicitly (export, exec, whoami; the
 * hook): only with a person at a terminal on both stdin and stderr. `$BROWSER` says which program
 * opens pages, not that anyone is there: many users set it globally (WSL's wslview, a profile's
 * `BROWSER=firefox`), so a script, cron job or an editor's direnv integration must not pop up a
 * sign-in page because of it. ATMOS_AUTH_IMPLICIT_LOGIN overrides: `never` (only `atmos-auth
 * login` signs in), `always` (also without a terminal: an integration that shows the browser
 * itself, and the test suite), anything else the terminal rule.
 */
export function mayLogInImplicitly(): boolean {
  const setting = process.env.ATMOS_AUTH_IMPLICIT_LOGIN;
  if (setting === 'never') return false;
  if (setting === 'always') return true;
  // isTerminal, not process.stdin.isTTY: the hook calls this on every `cd`, and building the
  // stdin stream costs milliseconds.
  return isTerminal(0) && isTerminal(2);
}

/** The policy of commands that log in only when needed (export, whoami, exec). */
export function implicitPolicy(allowLogin = true): LoginPolicy {
  return allowLogin && mayLogInImplicitly() ? 'if-needed' : 'never';
}

/** Permission set or role name of an identity hop (for ATMOS_AUTH_ACCESS and messages). */
export function roleOf(hop: ChainHop): string | undefined {
  if (hop.kind === 'aws/permission-set') return hop.permissionSet;
  if (hop.kind === 'aws/assume-role') return hop.roleArn.split('/').pop();
  return undefined;
}

/** An IAM Identity Center provider hop. */
export type SsoHop = Extract<ChainHop, { kind: 'aws/iam-identity-center' }>;

/**
 * The SSO provider called `name` (any case): from the active configuration of `dir` (the root of
 * any identity chain that uses it), else from the chains recorded in the credentials cache.
 */
export async function findSsoProvider(name: string, a: TargetArgs): Promise<SsoHop | null> {
  const want = name.toLowerCase();
  try {
    const { resolveContext } = await import('../atmos/resolve.ts');
    const { buildChain } = await import('../atmos/chain.ts');
    const env = { ...process.env };
    delete env.ATMOS_IDENTITY;
    const ctx = resolveContext({ dir: resolvePath(a.dir ?? process.cwd()), ...(a.profile ? { profile: a.profile } : {}), env });
    for (const id of ctx.auth.identities.values()) {
      let root: ChainHop | undefined;
      try {
        root = buildChain(id.name, ctx.auth)[0];
      } catch {
        continue;
      }
      if (root?.kind === 'aws/iam-identity-center' && root.name.toLowerCase() === want) return root;
    }
  } catch {
    // Not in a repository (or a broken one): the cache may still know the provider.
  }
  const { listCached } = await import('./cache.ts');
  for (const e of listCached()) {
    const root = e.chain[0];
    if (root?.kind === 'aws/iam-identity-center' && root.name.toLowerCase() === want) return root;
  }
  return null;
}

/** The provider hop as the network layer takes it. */
export function ssoProviderOf(h: SsoHop): { name: string; startUrl: string; region: string; sessionDuration?: number } {
  return { name: h.name, startUrl: h.startUrl, region: h.region, ...(h.sessionDuration ? { sessionDuration: h.sessionDuration } : {}) };
}
