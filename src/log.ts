/**
 * Debug tracing on stderr, switched on as in Atmos with ATMOS_LOGS_LEVEL=debug (or trace).
 * Callers pass values that are safe to print; `redact` is for anything that might hold a secret.
 */
const level = (process.env.ATMOS_LOGS_LEVEL ?? '').toLowerCase();

/** True when ATMOS_LOGS_LEVEL asks for debug output. */
export const debugEnabled = level === 'debug' || level === 'trace';

/** Writes one `atmos-auth debug: ...` line to stderr when debug logging is on. */
export function debug(message: string): void {
  if (debugEnabled) process.stderr.write(`atmos-auth debug: ${message}\n`);
}

/** Shows only that a secret exists and its length class, never its text. */
export function redact(secret: string | undefined | null): string {
  if (!secret) return '(none)';
  return `(redacted, ${secret.length} chars)`;
}
