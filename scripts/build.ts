// Bundles the CLI into dist/: atmos-auth.mjs (the executable, src/bin.ts: compile cache, then the
// CLI) and lazy chunks in dist/chunks. The AWS SDK, the YAML engine and every command but the hot
// ones stay in chunks of their own, so the hot path never parses them.
//
// The hot path (export and credential-process with warm caches: src/fast-path.ts and everything it
// imports statically) must be ONE chunk. esbuild's code splitting puts each module into a chunk
// keyed by the set of entry points (the executable and every dynamic import()) that reach it; the
// hot modules are also reached by other commands (login imports get-credentials, ...), each by a
// different set, which scattered them over a dozen small files, each a read and a compile on every
// `cd`. So every other module of ours that is a possible dynamic-import target gets an import of
// fast-path.ts appended: then every hot module is reached by the same set and lands in one chunk.
// It costs nothing at run time (the chunk is always loaded first, by cli.ts) and keeps one copy of
// each module (two copies would break `instanceof` and module state).
import { build, type Plugin } from 'esbuild';
import { chmodSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = `${root}src/`;
const hotEntry = `${src}fast-path.ts`;
const version = (JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as { version: string }).version;

const common = {
  bundle: true as const,
  format: 'esm' as const,
  platform: 'node' as const,
  target: 'node22',
  // Prefer the ES module builds (the AWS SDK ships both): their named exports survive a dynamic
  // import() in the bundle, where a CommonJS build would come back as a bare `default`.
  mainFields: ['module', 'main'],
  legalComments: 'none' as const,
  logLevel: 'warning' as const,
};

/** The source files the hot entry reaches through static imports (dynamic imports left out). */
async function hotModules(): Promise<Set<string>> {
  const noDynamic: Plugin = {
    name: 'no-dynamic',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (a) => (a.kind === 'dynamic-import' ? { path: a.path, external: true } : undefined));
    },
  };
  const r = await build({ ...common, entryPoints: [hotEntry], write: false, metafile: true, outdir: '/nonexistent', plugins: [noDynamic] });
  return new Set(Object.keys(r.metafile!.inputs).map((p) => `${root}${p}`));
}

const hot = await hotModules();

/**
 * Appends `import "<fast-path.ts>"` to every module of src/ outside the hot set (see the top). A
 * dynamic import() of a hot module (`await import('./cache.ts')`) would make that module an entry
 * point of its own, with its own set: it goes through a shim that re-exports it and imports the
 * hot entry too.
 */
const oneHotChunk: Plugin = {
  name: 'one-hot-chunk',
  setup(b) {
    b.onResolve({ filter: /.*/ }, async (a) => {
      if (a.kind !== 'dynamic-import' || a.pluginData === 'inner') return undefined;
      const r = await b.resolve(a.path, { kind: a.kind, importer: a.importer, resolveDir: a.resolveDir, pluginData: 'inner' });
      if (r.errors.length || !hot.has(r.path)) return undefined;
      return { path: r.path, namespace: 'hot-shim' };
    });
    b.onLoad({ filter: /.*/, namespace: 'hot-shim' }, (a) => ({
      contents: `export * from ${JSON.stringify(a.path)};\nimport ${JSON.stringify(hotEntry)};\n`,
      loader: 'ts',
      resolveDir: src,
    }));
    b.onLoad({ filter: /\/src\/.*\.ts$/ }, (a) => {
      if (hot.has(a.path) || !a.path.startsWith(src) || a.path === `${src}bin.ts`) return undefined;
      return { contents: `${readFileSync(a.path, 'utf8')}\nimport ${JSON.stringify(hotEntry)};\n`, loader: 'ts' };
    });
  },
};

/**
 * Node builtins through process.getBuiltinModule instead of ESM imports. An ESM `import` of a
 * builtin makes Node build its export list, which runs every lazy getter of the module: importing
 * node:fs loads fs/promises and the stream classes, node:process several modules more; measured
 * 3-6 ms each on the hot path, against 0.05 ms this way. The virtual module is CommonJS, so esbuild
 * turns named imports into property reads. node:crypto (5 ms to load) is loaded only when a
 * function of it is first used: the hot path hashes with src/util/sha256.ts and never loads it.
 */
const builtinNames = new Set(builtinModules.filter((m) => !m.startsWith('_')));
const lazyBuiltins: Record<string, string[]> = {
  crypto: Object.keys(await import('node:crypto')).filter((k) => k !== 'default'),
  // tty loads net and the streams (2.5 ms); the hot path needs it only when BROWSER is unset.
  tty: ['isatty', 'ReadStream', 'WriteStream'],
};
const builtins: Plugin = {
  name: 'builtins',
  setup(b) {
    b.onResolve({ filter: /^(node:)?[a-z_/]+$/ }, (a) => {
      const name = a.path.replace(/^node:/, '');
      // For hot modules and the rest of src/ (which all import the hot entry, so the virtual
      // module stays in the hot chunk); not for other dependencies: a virtual module imported
      // from them would be reached by other sets of entry points and become a chunk of its own.
      if (!builtinNames.has(name) || a.kind === 'dynamic-import' || !(hot.has(a.importer) || a.importer.startsWith(src))) return undefined;
      return { path: name, namespace: 'node-builtin' };
    });
    b.onLoad({ filter: /.*/, namespace: 'node-builtin' }, (a) => {
      const load = `(process.getBuiltinModule ? process.getBuiltinModule(${JSON.stringify(`node:${a.path}`)}) : require(${JSON.stringify(`node:${a.path}`)}))`;
      const lazy = lazyBuiltins[a.path];
      if (!lazy) return { contents: `module.exports = ${load};`, loader: 'js' };
      return {
        contents: `let m; const load = () => (m ??= ${load});\nfor (const k of ${JSON.stringify(lazy)}) Object.defineProperty(exports, k, { enumerable: true, get: () => load()[k] });`,
        loader: 'js',
      };
    });
  },
};

/**
 * write-file-atomic, as imported by hot modules, is loaded on its first call: it loads
 * worker_threads and signal-exit (5 ms) and a warm run writes nothing. esbuild evaluates a
 * bundled CommonJS module only when it is first require()d, so this wrapper defers all of it.
 */
const lazyWriteFileAtomic: Plugin = {
  name: 'lazy-write-file-atomic',
  setup(b) {
    b.onResolve({ filter: /^write-file-atomic$/ }, (a) => (hot.has(a.importer) ? { path: 'write-file-atomic', namespace: 'lazy-dep' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'lazy-dep' }, () => ({
      contents: 'let m; const real = () => (m ??= require("write-file-atomic"));\n'
        + 'function writeFileAtomic(...a) { return real()(...a); }\n'
        + 'writeFileAtomic.sync = (...a) => real().sync(...a);\n'
        + 'module.exports = writeFileAtomic;\n',
      loader: 'js',
      resolveDir: root,
    }));
  },
};

// Build beside dist/ and swap it in, so processes running the old build (tests, a shell hook)
// never see a half-written or missing dist/.
const out = `${root}/dist.tmp-${process.pid}`;
rmSync(out, { recursive: true, force: true });
const result = await build({
  ...common,
  entryPoints: { 'atmos-auth': `${src}bin.ts` },
  outdir: out,
  outExtension: { '.js': '.mjs' },
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  metafile: true,
  plugins: [oneHotChunk, builtins, lazyWriteFileAtomic],
  banner: {
    // Some CommonJS dependencies call require() or read __filename (write-file-atomic names its
    // temp files with it); give the ESM bundle both. __filename goes through `define` because a
    // bundled module may declare its own. process.getBuiltinModule rather than an `import` of
    // node:module: an ESM import of a builtin makes Node build its export list (measurable).
    js: "const require = process.getBuiltinModule ? process.getBuiltinModule('node:module').createRequire(import.meta.url) : undefined; const __atmosAuthFilename = new URL(import.meta.url).pathname;",
  },
  define: {
    __filename: '__atmosAuthFilename',
    ATMOS_AUTH_VERSION: JSON.stringify(version),
  },
});

// The hot path's files: the executable, the chunk of cli.ts and what they import statically.
const outputs = result.metafile!.outputs;
const cliChunk = Object.entries(outputs).find(([, o]) => o.entryPoint === 'src/cli.ts')?.[0];
const files = new Set<string>();
const visit = (f: string) => {
  if (files.has(f)) return;
  files.add(f);
  for (const i of outputs[f]?.imports ?? []) if (i.kind === 'import-statement' && !i.external) visit(i.path);
};
const exe = Object.keys(outputs).find((f) => f.endsWith('/atmos-auth.mjs'))!;
visit(exe);
if (cliChunk) visit(cliChunk);
if (files.size > 4) console.warn(`build: the hot path loads ${files.size} files (want at most 4): ${[...files].join(' ')}`);

chmodSync(`${out}/atmos-auth.mjs`, 0o755);
const old = `${root}/dist.old-${process.pid}`;
try {
  renameSync(`${root}/dist`, old);
} catch {
  // first build: nothing to move away
}
renameSync(out, `${root}/dist`);
rmSync(old, { recursive: true, force: true });
