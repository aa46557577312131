#!/usr/bin/env node
/**
 * The executable (dist/atmos-auth.mjs). The hook's commands (`export`, `credential-process`) go
 * first to the hot script, dist/hot.js (src/hot.ts): one classic script run through vm.Script with
 * a V8 code cache of its own, made after a run so that it holds the functions a warm `cd` calls.
 * When that script cannot answer (a cache miss needs the engine or the SDK), or for any other
 * command, the full CLI runs: Node's compile cache is turned on, then cli.ts is imported. Static
 * imports are compiled before the module that imports them runs, hence the dynamic import() and
 * nothing else imported here.
 *
 * Both caches live in a private directory beside atmos-auth's cache (not in the shared
 * /tmp/node-compile-cache another user could have planted). NODE_DISABLE_COMPILE_CACHE=1 turns
 * both off and NODE_COMPILE_CACHE=DIR moves Node's, as Node documents.
 */
import type * as Fs from 'node:fs';
import type { HotResult } from './hot.ts';

const env = process.env;
// process.getBuiltinModule, not `import`: an ESM import of a builtin builds its export list.
const get = process.getBuiltinModule;
const fs = get('node:fs') as typeof Fs;

/** The platform cache directory env-paths would pick (src/paths.ts), plus our suffix; or null. */
function compileCacheDir(): string | null {
  const home = env.HOME;
  if (process.platform === 'win32') return env.LOCALAPPDATA ? `${env.LOCALAPPDATA}\\atmos-auth-v8cache` : null;
  if (!home) return null;
  const base = process.platform === 'darwin' ? `${home}/Library/Caches` : env.XDG_CACHE_HOME || `${home}/.cache`;
  return `${base}/atmos-auth-v8cache`;
}
const cacheDir = env.NODE_DISABLE_COMPILE_CACHE ? null : compileCacheDir();

const MAGIC = 'atmos-auth hot cache 1\n';

/** A script's cache: the routes it was made after, and V8's data; null when unusable. */
function readScriptCache(file: string): { routes: string[]; data: Buffer } | null {
  let fd: number;
  try {
    // O_NOFOLLOW: the file itself, not what a link planted in its place points to.
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch {
    return null;
  }
  try {
    const st = fs.fstatSync(fd);
    // V8 trusts what it deserialises: only a file of ours that nobody else could have written.
    if ((process.getuid && st.uid !== process.getuid()) || (st.mode & 0o077) !== 0 || !st.isFile()) return null;
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < buf.length) {
      const n = fs.readSync(fd, buf, off, buf.length - off, off);
      if (n === 0) return null;
      off += n;
    }
    if (buf.toString('latin1', 0, MAGIC.length) !== MAGIC) return null;
    const eol = buf.indexOf(10, MAGIC.length);
    if (eol < 0) return null;
    const routes = JSON.parse(buf.toString('utf8', MAGIC.length, eol)) as unknown;
    if (!Array.isArray(routes) || !routes.every((r) => typeof r === 'string')) return null;
    return { routes, data: buf.subarray(eol + 1) };
  } catch {
    return null;
  } finally {
    fs.closeSync(fd);
  }
}

/** Replaces a script's cache atomically (0600), and removes the caches of other builds. */
function writeScriptCache(dir: string, name: string, routes: string[], data: Buffer): void {
  const tmp = `${dir}/${name}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(tmp, Buffer.concat([Buffer.from(`${MAGIC}${JSON.stringify(routes)}\n`), data]), { mode: 0o600, flag: 'wx' });
    fs.renameSync(tmp, `${dir}/${name}`);
    // name is <kind>-<build id>-...: a file of the same kind and another build id is stale.
    const [kind, id] = name.split('-') as [string, string];
    for (const f of fs.readdirSync(dir)) {
      if (f.startsWith(`${kind}-`) && !f.startsWith(`${kind}-${id}-`) && f.endsWith('.v8')) fs.rmSync(`${dir}/${f}`, { force: true });
    }
  } catch {
    // No cache only costs speed.
    fs.rmSync(tmp, { force: true });
  }
}

/**
 * V8 rejects a code cache made under other V8 flags (NODE_OPTIONS=--max-old-space-size=...): runs
 * with other options get caches of their own instead of replacing each other's on every run.
 */
function flagsTag(): string {
  const opts = `${env.NODE_OPTIONS ?? ''}\0${process.execArgv.join('\0')}`;
  if (opts === '\0') return '';
  let h = 0x811c9dc5; // FNV-1a: a name, not a secret
  for (let i = 0; i < opts.length; i++) h = Math.imul(h ^ opts.charCodeAt(i), 0x01000193);
  return `-${(h >>> 0).toString(16)}`;
}

/** A script of dist/ run through vm.Script with its code cache (see readScriptCache). */
interface LoadedScript {
  script: import('node:vm').Script;
  /** The cache file's name (in cacheDir). */
  name: string;
  /** The routes the cache was made after ([] when there was no usable cache). */
  routes: string[];
  /** True when the script ran with no usable cache. */
  fresh: boolean;
}

/** Set by the build (scripts/build.ts): each script's content hash, naming its cache. */
declare const ATMOS_AUTH_HOT_ID: string | undefined;
declare const ATMOS_AUTH_ENGINE_ID: string | undefined;

/**
 * Compiles and runs dist/<kind>.js with its code cache. Its value is a function, called with a
 * module object, a require (for `yaml` alone: made on first use, as it loads node:module), the
 * script's location and `extra`; returns the module's exports. Throws when the file is missing.
 */
function loadScript<T>(kind: 'hot' | 'engine', extra: unknown, loaded: LoadedScript[]): T {
  const file = `${import.meta.dirname}/${kind}.js`;
  const source = fs.readFileSync(file, 'utf8');
  const vm = get('node:vm') as typeof import('node:vm');
  const name = `${kind}-${kind === 'hot' ? ATMOS_AUTH_HOT_ID : ATMOS_AUTH_ENGINE_ID}-${process.version}-${process.arch}${flagsTag()}.v8`;
  const cached = cacheDir ? readScriptCache(`${cacheDir}/${name}`) : null;
  const script = new vm.Script(source, { filename: file, ...(cached ? { cachedData: cached.data } : {}) });
  const usable = !!cached && !script.cachedDataRejected;
  loaded.push({ script, name, routes: usable ? cached.routes : [], fresh: !usable });
  const mod = { exports: {} as T };
  let req: NodeJS.Require | undefined;
  const lazyRequire = (id: string): unknown => (req ??= (get('node:module') as typeof import('node:module')).createRequire(file))(id);
  (script.runInThisContext() as (m: typeof mod, r: typeof lazyRequire, url: string, file: string, extra: unknown) => void)(mod, lazyRequire, new URL(`${kind}.js`, import.meta.url).href, file, extra);
  return mod.exports;
}

/**
 * V8 trusts a code cache's bytes (release builds check no checksum): a damaged file that still
 * passes V8's header checks crashes the process (SIGTRAP, SIGSEGV) on every run, before it could
 * be replaced. So a run that uses the caches leaves a marker `running-<pid>` while it does; a
 * marker whose process is gone means that process died with them in use, and the caches are
 * dropped (made again after this run). Returns the marker to remove, or null. A checksum per run
 * instead costs 1.4 ms for 90 KB in JavaScript, more with node:zlib's loading.
 */
function guardCaches(dir: string): string | null {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return null; // no directory yet: no cache to guard
  }
  for (const f of names) {
    if (!f.startsWith('running-') || isAlive(Number(f.slice('running-'.length)))) continue;
    for (const g of names) if (/^(hot|engine)-.*\.v8$/.test(g)) fs.rmSync(`${dir}/${g}`, { force: true });
    fs.rmSync(`${dir}/${f}`, { force: true });
  }
  const marker = `${dir}/running-${process.pid}`;
  try {
    fs.closeSync(fs.openSync(marker, 'w', 0o600));
    return marker;
  } catch {
    return null;
  }
}

/** True when process `pid` exists (EPERM: it does, as another user's). */
function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Runs argv in the hot script; false when the full CLI must run it. */
async function runHot(argv: string[]): Promise<boolean> {
  const loaded: LoadedScript[] = [];
  const marker = cacheDir ? guardCaches(cacheDir) : null;
  const done = (): void => {
    try {
      if (marker) fs.unlinkSync(marker);
    } catch {
      // Gone already: another run took it for a dead one's (a reused pid); nothing to undo.
    }
  };
  type Hot = { run(argv: string[]): Promise<HotResult>; modules: unknown };
  let hot: Hot | undefined;
  let engine: { modules: unknown } | undefined;
  // The engine script, loaded on the hot script's first import() of an engine module: it gets
  // the hot script's shared modules, the hot script its modules (scripts/build.ts).
  const loadEngine = (): unknown => (engine ??= loadScript<{ modules: unknown }>('engine', hot!.modules, loaded)).modules;
  try {
    hot = loadScript<Hot>('hot', loadEngine, loaded);
  } catch {
    done();
    return false; // running from source, or a broken install: the full CLI
  }
  const result = await hot.run(argv);
  if (cacheDir) {
    for (const s of loaded) {
      // After a run down a route the cache has not seen (or with no usable cache), a new cache:
      // it holds what the old one held plus what this run compiled.
      if ((result && !s.routes.includes(result.route)) || s.fresh) {
        writeScriptCache(cacheDir, s.name, result && !s.routes.includes(result.route) ? [...s.routes, result.route] : s.routes, s.script.createCachedData());
      }
    }
  }
  done();
  if (!result) return false;
  // Everything is written (synchronously): end now, without Node's teardown.
  if (result.flushed) process.exit(result.code);
  process.exitCode = result.code;
  return true;
}

// Invoked as docker-credential-atmos-auth (a link install.sh makes): the docker credential helper.
// process.argv itself is rewritten, as cli.ts reads it.
if ((process.argv[1] ?? '').endsWith('/docker-credential-atmos-auth')) process.argv.splice(2, 0, 'docker-credential');
const argv = process.argv.slice(2);
const hotDone = typeof ATMOS_AUTH_HOT_ID === 'string' && (argv[0] === 'export' || argv[0] === 'credential-process') && (await runHot(argv));

if (!hotDone) {
  // With NODE_COMPILE_CACHE set, Node has already turned the cache on in that directory.
  if (cacheDir && !env.NODE_COMPILE_CACHE) {
    try {
      const mod = get('node:module') as typeof import('node:module');
      fs.mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
      mod.enableCompileCache?.(cacheDir);
    } catch {
      // No cache only costs speed.
    }
  }
  // Shell completion's hidden command answers every TAB: without yargs (src/commands/complete.ts).
  if (argv[0] === '__complete') process.exitCode = await (await import('./commands/complete.ts')).run(argv.slice(1));
  else await import('./cli.ts');
}
