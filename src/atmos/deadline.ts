/**
 * A hard time bound on one resolution (directory -> Resolution), whatever the repository holds:
 * the hook runs `export` on every `cd`, and a repository must not be able to stall the shell (a
 * YAML alias bomb merged through deepMerge, imports that fan out exponentially, a pathological
 * regular expression in js-yaml...). Credentials come after resolution and are not covered: a
 * browser login the user is completing is never cut short.
 *
 * Two layers. Cooperative checkpoints (every file read, directory listed, import, and a counter in
 * the recursive merge/evaluate/template steps) throw ResolveTimeoutError naming the file being
 * worked on. The engine is synchronous, so a timer cannot interrupt it; what the checkpoints miss
 * (a loop inside js-yaml, JSON.stringify, a regular expression) is stopped by V8 itself: the work
 * runs inside vm.Script#runInThisContext with a `timeout`, whose watchdog thread terminates the
 * running JavaScript. That costs about 0.15 ms (a thread started and joined) and only on a
 * resolution-cache miss: the warm path (dist/hot.js, cache hit) never gets here.
 *
 * Blocking system calls cannot be interrupted by either layer: that is why every repository file
 * goes through readRepoFile (repo-files.ts), which never blocks on a FIFO or reads past 8 MiB.
 */
import vm from 'node:vm';
import { ConfigError } from '../errors.ts';

/** The default bound, ms: ~25x the slowest cold resolution measured (10,000 manifests, 82 ms). */
export const DEFAULT_RESOLVE_TIMEOUT_MS = 2000;

/** The variable that overrides it (tests; a very large repository on a slow machine). */
export const TIMEOUT_VAR = 'ATMOS_AUTH_RESOLVE_TIMEOUT_MS';

/** The bound in ms from the environment; a value that is not a positive integer is a ConfigError. */
export function resolveTimeoutMs(env: NodeJS.ProcessEnv): number {
  const raw = env[TIMEOUT_VAR];
  if (raw === undefined || raw === '') return DEFAULT_RESOLVE_TIMEOUT_MS;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0 || n > 2 ** 31 - 1) {
    throw new ConfigError(`${TIMEOUT_VAR}=${raw} is not a positive number of milliseconds`, undefined, { hint: `unset it (default ${DEFAULT_RESOLVE_TIMEOUT_MS}) or set e.g. ${TIMEOUT_VAR}=5000` });
  }
  return n;
}

/** Resolution took longer than the bound; names the file it was working on. */
export class ResolveTimeoutError extends ConfigError {
  /** Duck-typed by code that must not import this module (the warm path). */
  readonly resolveTimeout = true;
  constructor(ms: number, file: string | undefined) {
    super(
      `gave up after ${formatMs(ms)} resolving ${file ?? 'the repository'}; nothing changed`,
      undefined,
      { hint: `something in that file makes resolution explode (a YAML alias bomb, imports that fan out); fix it, or raise ${TIMEOUT_VAR} (now ${ms}) if the repository is just that big` },
    );
  }
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

interface Active {
  end: number;
  ms: number;
  /** The file being worked on (the last one read or imported). */
  file: string | undefined;
  ticks: number;
}

let active: Active | null = null;

/** Records `file` as the one being worked on and throws when the bound has passed. */
export function checkpoint(file?: string): void {
  const a = active;
  if (!a) return;
  if (file !== undefined) a.file = file;
  if (Date.now() > a.end) throw new ResolveTimeoutError(a.ms, a.file);
}

/** For hot recursive steps: looks at the clock every 4096th call only. */
export function tick(): void {
  const a = active;
  if (a && (++a.ticks & 4095) === 0 && Date.now() > a.end) throw new ResolveTimeoutError(a.ms, a.file);
}

const SLOT = Symbol.for('atmos-auth.deadline.run');
let script: vm.Script | undefined;

/**
 * Runs `fn` (synchronous) within `ms` milliseconds: ResolveTimeoutError when it takes longer.
 * Nested calls run inside the outer bound.
 */
export function withDeadline<T>(ms: number, fn: () => T): T {
  if (active) return fn();
  const a: Active = { end: Date.now() + ms, ms, file: undefined, ticks: 0 };
  active = a;
  const g = globalThis as Record<symbol, unknown>;
  let result: T | undefined;
  g[SLOT] = () => { result = fn(); };
  try {
    // The backstop gets a little more than the checkpoints, so they usually report first.
    script ??= new vm.Script(`globalThis[Symbol.for('atmos-auth.deadline.run')]()`, { filename: 'atmos-auth-deadline' });
    script.runInThisContext({ timeout: ms + 100 });
    return result as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw new ResolveTimeoutError(ms, a.file);
    throw err;
  } finally {
    active = null;
    delete g[SLOT];
  }
}
