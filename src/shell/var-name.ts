/**
 * What every output format is willing to print: plain variable names, and values an environment
 * variable can hold. Anything else is refused, not escaped.
 */
import { AtmosAuthError, UsageError } from '../errors.ts';

/** Throws unless `name` is a plain variable name (letters, digits, `_`, not starting with a digit). */
export function assertVarName(name: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new UsageError(`refusing to emit invalid variable name ${JSON.stringify(name)}`);
}

/** String.prototype.isWellFormed (ES2024, Node 20+; this project's lib is es2023). */
type WellFormed = string & { isWellFormed(): boolean };

/**
 * Throws (naming `name`, never showing the value: it may be a secret) unless an environment
 * variable can hold `value` byte for byte: no NUL (a C string ends there, so every shell and
 * `execve` would cut the value short) and no lone UTF-16 surrogate (it has no UTF-8 encoding:
 * Node would write U+FFFD instead, a different value).
 */
export function assertEnvValue(name: string, value: string): void {
  // Runs on every warm `cd`: isWellFormed costs microseconds where a /\p{Cs}/u regex, compiled
  // afresh in each process, cost about 0.15 ms.
  const nul = value.includes('\0');
  if (!nul && (value as WellFormed).isWellFormed()) return;
  const what = nul ? 'a NUL character, which no environment variable can hold' : 'a lone UTF-16 surrogate (not valid Unicode), which has no UTF-8 form';
  throw new AtmosAuthError(`${name}: value contains ${what}; nothing was written`, { hint: 'fix the value where it comes from (the Atmos YAML, the profile or the directory name)' });
}
