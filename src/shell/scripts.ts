/**
 * The shell scripts users load (hooks, prompt functions, the direnv library), read from the
 * package's shell/ directory and completed with what only the CLI knows: the variables an identity
 * touches (from env.ts: one source of truth) and the command that runs this very CLI.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UNSUPPORTED_KIND_EXIT } from '../atmos/kinds.ts';
import { AtmosAuthError, UsageError } from '../errors.ts';
import { MANAGED_VARS, TOUCHED_VARS } from './env.ts';
import { fishQuote } from './formats/fish.ts';
import { posixQuote } from './formats/posix.ts';

/** Shells with a hook. */
export const hookShells = ['zsh', 'bash', 'fish'] as const;
export type HookShell = (typeof hookShells)[number];

/** Checks a user-supplied shell name. */
export function asHookShell(name: string): HookShell {
  if ((hookShells as readonly string[]).includes(name)) return name as HookShell;
  throw new UsageError(`no hook for shell '${name}'`, { hint: `use one of: ${hookShells.join(', ')}` });
}

/**
 * The package's shell/ directory. Found by walking up from this module, which may be
 * src/shell/scripts.ts (running from source), dist/atmos-auth.mjs or dist/chunks/*.mjs (bundled).
 */
export function shellDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'shell');
    if (existsSync(join(candidate, 'atmos-auth.zsh'))) return candidate;
    dir = dirname(dir);
  }
  throw new AtmosAuthError(`the shell/ scripts are not next to the atmos-auth installation (looked up from ${dirname(fileURLToPath(import.meta.url))})`, {
    hint: 'reinstall atmos-auth (install.sh), which ships shell/ beside dist/',
  });
}

/** The words that run this CLI: the Node binary running now and the entry script. */
export function selfCommand(): string[] {
  const script = process.argv[1];
  return script ? [process.execPath, script] : ['atmos-auth'];
}

function quoteFor(shell: HookShell): (s: string) => string {
  return shell === 'fish' ? fishQuote : posixQuote;
}

/** Reads shell/<file> and fills the @ATMOS_AUTH_*@ placeholders for `shell`. */
export function renderScript(file: string, shell: HookShell, cmd: string[] = selfCommand()): string {
  const q = quoteFor(shell);
  const text = readFileSync(join(shellDir(), file), 'utf8');
  return text
    .replaceAll('@ATMOS_AUTH_VARS@', TOUCHED_VARS.map(q).join(' '))
    .replaceAll('@ATMOS_AUTH_MANAGED@', MANAGED_VARS.map(q).join(' '))
    .replaceAll('@ATMOS_AUTH_CMD@', cmd.map(q).join(' '))
    .replaceAll('@ATMOS_AUTH_UNSUPPORTED_EXIT@', String(UNSUPPORTED_KIND_EXIT));
}

/** The prompt functions alone (`atmos_auth_prompt`), for shells that load no hook (direnv users). */
export function promptScript(shell: HookShell): string {
  return renderScript(`prompt.${shell}`, shell);
}

/** What `atmos-auth hook <shell>` prints: the prompt functions, then the hook. */
export function hookScript(shell: HookShell, cmd?: string[]): string {
  return `${renderScript(`prompt.${shell}`, shell, cmd)}\n${renderScript(`atmos-auth.${shell}`, shell, cmd)}`;
}

/** What `atmos-auth direnv` prints: the `use_atmos` library for ~/.config/direnv/lib/. */
export function direnvScript(cmd?: string[]): string {
  return renderScript('use_atmos.sh', 'bash', cmd);
}
