/**
 * The hot path as a classic script (dist/hot.js), which the executable (src/bin.ts) runs through
 * vm.Script with a V8 code cache of its own.
 *
 * Why not the ES module chunks and Node's compile cache: Node makes that cache right after a
 * module is compiled, when V8 has compiled only the top level, so every run compiled the functions
 * a warm `cd` calls lazily again: about 8 of the 26 million instructions a warm `cd` spent above
 * bare Node (callgrind). A vm.Script's cache made after a run (createCachedData) holds every
 * function that run compiled. One script instead of four modules also skips the ES module
 * loader's resolve, link and evaluate steps.
 *
 * The script is an attempt the full CLI can always take over: every dynamic import() of the code
 * it bundles is replaced at build time (scripts/build.ts) by a HotMiss, except the Atmos engine's,
 * which come from the second script, dist/engine.js. On a miss (the AWS SDK for a credentials
 * miss, locks, login) run() resolves to null, drops what it held back for stderr, and the
 * executable hands the command to the full CLI, which starts over. All the hot script may have
 * written by then are the resolution and parse caches, which the full CLI would write the same
 * way (CONTRIBUTING.md: the hot scripts' rule).
 */
import { fastCommand } from './fast-path.ts';
import { AtmosAuthError, reportError } from './errors.ts';
import { debug, holdStderr, releaseStderr } from './log.ts';
import { hotMissed, route } from './util/hot-state.ts';
import { outputFlushed } from './util/stdio.ts';

/**
 * What the executable gets back: the exit code, the branches taken (for the code cache) and whether
 * all output is written; or null (full CLI).
 */
export type HotResult = { code: number; route: string; flushed: boolean } | null;

/** True for the error a replaced dynamic import() throws (see scripts/build.ts). */
function isHotMiss(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { atmosAuthHotMiss?: unknown }).atmosAuthHotMiss === true;
}

/** Runs argv when it is a hot command the cached state can answer; null otherwise. */
export async function run(argv: string[]): Promise<HotResult> {
  const cmd = fastCommand(argv);
  if (!cmd) return null;
  holdStderr();
  try {
    const code = await cmd();
    // A miss caught on the way (nothing was written: writeStdout refuses after one) is a miss.
    if (hotMissed()) throw new Error('a HotMiss was caught inside the command');
    releaseStderr(true);
    return { code, route: `${argv[0]}:${route.join(',')}:${code}`, flushed: outputFlushed() };
  } catch (err) {
    // A user error (untrusted repository, bad option value) is answered here as the CLI would;
    // anything else the full CLI reproduces and reports.
    const answer = !isHotMiss(err) && !hotMissed() && err instanceof AtmosAuthError;
    releaseStderr(answer);
    if (!answer) debug(`hot script: ${err instanceof Error ? err.message : String(err)}; the full CLI takes over`);
    return answer ? { code: reportError(err), route: `${argv[0]}:${route.join(',')}:error`, flushed: outputFlushed() } : null;
  }
}
