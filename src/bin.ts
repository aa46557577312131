#!/usr/bin/env node
/**
 * The executable (dist/atmos-auth.mjs): turns on Node's compile cache, then loads the CLI. It must
 * run before the CLI's code is compiled, or that code (the hot path included) would never come
 * from the cache: static imports are compiled before the module that imports them runs, hence the
 * dynamic import() at the end and nothing else imported here.
 *
 * The cache lives in a private directory of its own beside atmos-auth's cache (not in the shared
 * /tmp/node-compile-cache another user could have planted). NODE_DISABLE_COMPILE_CACHE=1 turns it
 * off and NODE_COMPILE_CACHE=DIR moves it, as Node documents.
 */
const env = process.env;
// process.getBuiltinModule, not `import`: an ESM import of a builtin builds its export list.
const get = process.getBuiltinModule as ((id: string) => unknown) | undefined;

/** The platform cache directory env-paths would pick (src/paths.ts), plus our suffix; or null. */
function compileCacheDir(): string | null {
  const home = env.HOME;
  if (process.platform === 'win32') return env.LOCALAPPDATA ? `${env.LOCALAPPDATA}\\atmos-auth-v8cache` : null;
  if (!home) return null;
  const base = process.platform === 'darwin' ? `${home}/Library/Caches` : env.XDG_CACHE_HOME || `${home}/.cache`;
  return `${base}/atmos-auth-v8cache`;
}

// With NODE_COMPILE_CACHE set, Node has already turned the cache on in that directory.
if (get && !env.NODE_DISABLE_COMPILE_CACHE && !env.NODE_COMPILE_CACHE) {
  try {
    const mod = get('node:module') as typeof import('node:module');
    const dir = compileCacheDir();
    if (dir && mod.enableCompileCache) {
      (get('node:fs') as typeof import('node:fs')).mkdirSync(dir, { recursive: true, mode: 0o700 });
      mod.enableCompileCache(dir);
    }
  } catch {
    // No cache only costs speed.
  }
}

await import('./cli.ts');
