/**
 * What the hot script (src/hot.ts, run by src/bin.ts) learns about a run while it goes. Outside
 * the hot script (the full CLI) nothing reads it.
 */

/**
 * The branches a hot command took (`env`, `none`, `profile`, `resolve` ...). The hot script's code
 * cache holds the functions of the runs it was made after; a run down another branch compiles
 * functions it lacks, and its route tells the executable to refresh the cache.
 */
export const route: string[] = [];

/** The module a HotMiss stood for, once one was thrown in this run (scripts/build.ts). */
let missed: string | null = null;

/** Records a HotMiss; called by the stand-in module the build puts in place of an import(). */
export function noteHotMiss(what: string): Error {
  missed ??= what;
  return Object.assign(new Error(`the hot script cannot load ${what}`), { atmosAuthHotMiss: true });
}

/**
 * Throws the HotMiss again when one happened earlier in this run, even if code in between caught
 * it (a `try` around an optional lookup): called before anything is written that the full CLI,
 * taking over, would write again (stdout, $GITHUB_ENV), so nothing is written twice and no answer
 * built without the missing module goes out.
 */
export function assertNoHotMiss(): void {
  if (missed !== null) throw noteHotMiss(missed);
}

/** True once a HotMiss was thrown in this run. */
export function hotMissed(): boolean {
  return missed !== null;
}
