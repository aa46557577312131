/**
 * Debug tracing on stderr, switched on as in Atmos with ATMOS_LOGS_LEVEL=debug (or trace).
 * Callers pass values that are safe to print; `redact` is for anything that might hold a secret.
 */
import { writeFd } from './util/stdio.ts';

const level = (process.env.ATMOS_LOGS_LEVEL ?? '').toLowerCase();

/** True when ATMOS_LOGS_LEVEL asks for debug output. */
export const debugEnabled = level === 'debug' || level === 'trace';

/** Text held back by holdStderr, or null when stderr is written through. */
let held: string[] | null = null;

/**
 * Holds back what writeStderr prints until releaseStderr. The hot script (src/hot.ts)
 * may give up half way and leave the run to the full CLI, which starts over: what it printed by
 * then would be printed twice.
 */
export function holdStderr(): void {
  held = [];
}

/** Ends holdStderr: prints what was held (`print`) or drops it. */
export function releaseStderr(print: boolean): void {
  const text = held?.join('') ?? '';
  held = null;
  if (print && text) writeFd(2, text);
}

/** Writes `text` to stderr (or holds it, see holdStderr). */
export function writeStderr(text: string): void {
  if (held) held.push(text);
  else writeFd(2, text);
}

/**
 * Writes one `atmos-auth debug: ...` line to stderr when debug logging is on. Never held back:
 * when the hot script hands over, its lines tell what it found before (a stale cache it rebuilt),
 * which the full CLI, finding that cache valid, would not repeat.
 */
export function debug(message: string): void {
  if (debugEnabled) writeFd(2, `atmos-auth debug: ${message}\n`);
}

/** Shows only that a secret exists and its length class, never its text. */
export function redact(secret: string | undefined | null): string {
  if (!secret) return '(none)';
  return `(redacted, ${secret.length} chars)`;
}
