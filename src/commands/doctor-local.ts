/**
 * The offline checks of `atmos-auth doctor`: what this machine and shell hold (credentials cache
 * modes, the hook's marker, the direnv library), each as one DoctorCheck.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { credentialsDir } from '../credentials/cache.ts';

/** One line of the report; `fix` is the exact command or edit, `detail` what was looked at. */
export interface DoctorCheck {
  id: string;
  status: 'ok' | 'warn' | 'fail' | 'skip';
  summary: string;
  fix?: string;
  detail?: string;
}

/** Group or others may read or write: what secure-file.ts refuses (0600 files, 0700 directories). */
const loose = (mode: number) => (mode & 0o077) !== 0;
const octal = (mode: number) => (mode & 0o777).toString(8).padStart(3, '0');

/**
 * The credentials cache directory and every file in it, plus the SSO token files named by the
 * caller: each must be private to the user (secure-file.ts writes 0600 in 0700 directories).
 */
export function checkCacheModes(tokenFiles: string[]): DoctorCheck {
  const dir = credentialsDir();
  const bad: string[] = [];
  const fixes: string[] = [];
  let files = 0;
  if (existsSync(dir)) {
    const st = statSync(dir);
    if (loose(st.mode)) {
      bad.push(`${dir} is ${octal(st.mode)}`);
      fixes.push(`chmod 700 '${dir}'`);
    }
    for (const name of readdirSync(dir)) {
      const f = join(dir, name);
      const s = statSync(f, { throwIfNoEntry: false });
      if (!s?.isFile()) continue;
      files++;
      if (loose(s.mode)) {
        bad.push(`${f} is ${octal(s.mode)}`);
        fixes.push(`chmod 600 '${f}'`);
      }
    }
  }
  for (const f of tokenFiles) {
    const s = statSync(f, { throwIfNoEntry: false });
    if (s && loose(s.mode)) {
      bad.push(`${f} is ${octal(s.mode)}`);
      fixes.push(`chmod 600 '${f}'`);
    }
  }
  if (bad.length) {
    return {
      id: 'cache-modes', status: 'fail',
      summary: `readable by others: ${bad.join(', ')} (atmos-auth refuses such files)`,
      fix: fixes.join(' && '), detail: dir,
    };
  }
  return { id: 'cache-modes', status: 'ok', summary: `${dir}: ${files} file(s), all private (0600 in 0700)${tokenFiles.length ? `; SSO token files private too` : ''}`, detail: dir };
}

const RC: Record<string, string> = {
  zsh: 'add `eval "$(atmos-auth hook zsh)"` at the end of ~/.zshrc, then open a new shell',
  bash: 'add `eval "$(atmos-auth hook bash)"` at the end of ~/.bashrc, then open a new shell',
  fish: 'add `atmos-auth hook fish | source` to ~/.config/fish/config.fish, then open a new shell',
};

/** The direnv library `use atmos` (install.sh writes it there). */
export function direnvLibrary(env: NodeJS.ProcessEnv): string {
  return join(env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config'), 'direnv', 'lib', 'use_atmos.sh');
}

/**
 * The hook: its state lives in non-exported shell variables, so the hooks export one marker,
 * ATMOS_AUTH_HOOK=zsh|bash|fish, when sourced (shell/atmos-auth.*). Without the hook, a `cd`
 * gets credentials only through direnv's `use atmos`: a failure when that library is missing too.
 */
export function checkHook(env: NodeJS.ProcessEnv): DoctorCheck {
  const marker = env.ATMOS_AUTH_HOOK;
  const shell = basename(env.SHELL ?? '');
  if (marker === 'zsh' || marker === 'bash' || marker === 'fish') {
    return { id: 'hook', status: 'ok', summary: `loaded in this shell (${marker})` };
  }
  const haveDirenv = existsSync(direnvLibrary(env));
  const fix = RC[shell] ?? `load the hook in your shell's rc file: ${RC.zsh} (or bash, fish)`;
  return {
    id: 'hook', status: haveDirenv ? 'warn' : 'fail',
    summary: `not loaded in this shell${shell ? ` (${shell})` : ''}${haveDirenv ? '; direnv\'s `use atmos` can still serve .envrc directories' : ': a cd gets no credentials'}`,
    fix,
  };
}

/** The direnv library: optional (the hook does the job), so a missing one is a warning. */
export function checkDirenv(env: NodeJS.ProcessEnv): DoctorCheck {
  const lib = direnvLibrary(env);
  if (existsSync(lib)) return { id: 'direnv', status: 'ok', summary: `library installed: ${lib}`, detail: lib };
  return {
    id: 'direnv', status: 'warn',
    summary: `library not installed (${lib}); needed only for \`use atmos\` in .envrc`,
    fix: `mkdir -p '${join(lib, '..')}' && atmos-auth direnv > '${lib}'`, detail: lib,
  };
}
