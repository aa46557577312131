// Builds dist/:
//   atmos-auth.mjs   the executable (src/bin.ts): hook commands to the hot scripts, the rest to cli.ts
//   hot.js, engine.js the hook's commands as two classic scripts for vm.Script, each with a code
//                    cache of its own (see "dist/hot.js and dist/engine.js" below and src/hot.ts)
//   chunks/          the full CLI as ES module chunks: the AWS SDK, the YAML engine and every
//                    command stay in chunks of their own, loaded by import() when needed.
//
// In the full CLI, what export and credential-process import statically (src/fast-path.ts and
// everything it reaches) is ONE chunk: a hand-over from the hot script (a credentials miss) loads
// it, and so does every other command. esbuild's code splitting puts each module into a chunk
// keyed by the set of entry points (the executable and every dynamic import()) that reach it; the
// fast-path modules are also reached by other commands (login imports get-credentials, ...), each
// by a different set, which scattered them over a dozen small files, each a read and a compile.
// So every other module of ours that is a possible dynamic-import target gets an import of
// fast-path.ts appended: then every fast-path module is reached by the same set and lands in one
// chunk. It costs nothing at run time (the chunk is always loaded first, by cli.ts) and keeps one
// copy of each module (two copies would break `instanceof` and module state).
import { build, type OnResolveArgs, type Plugin, type PluginBuild } from 'esbuild';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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
 * What esbuild would resolve `a` to without the calling plugin; the 'inner' mark makes that
 * plugin's own onResolve step aside for this call.
 */
const resolveAsUsual = (b: PluginBuild, a: OnResolveArgs) =>
  b.resolve(a.path, { kind: a.kind, importer: a.importer, resolveDir: a.resolveDir, pluginData: 'inner' });

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
      const r = await resolveAsUsual(b, a);
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
 * 3-6 ms each on the hot path, against 0.05 ms this way.
 *
 * The virtual module is ESM with one `export const` per data property of the builtin, read once:
 * as CommonJS, esbuild wrapped it in __toESM at every importing module, which defines a getter
 * for every property of the builtin (fs has over a hundred, process more), 6 times for fs alone:
 * 8 million instructions of the warm `cd` (callgrind), and hot enough for V8 to optimise the copy
 * loop. Accessor properties (fs.promises, ...) are left out, so reading them never loads
 * anything; importing one fails the build. node:crypto (5 ms to load) and node:tty (net and the
 * streams, 2.5 ms; needed only when BROWSER is unset) are loaded on the first call of one of
 * their functions: the hot path hashes with src/util/sha256.ts and never loads crypto.
 */
const builtinNames = new Set(builtinModules.filter((m) => !m.startsWith('_')));
const lazyBuiltins = new Set(['crypto', 'tty']);
const isIdentifier = (k: string): boolean => /^[A-Za-z_$][\w$]*$/.test(k) && k !== 'default';
const escapeRe = (x: string): string => x.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/**
 * The names `importer` imports from `spec` ('node:fs' or 'fs'), or '*' when it takes the
 * namespace or re-exports. Read from the source text: a name missed here is a build error
 * ("No matching export"), never a silent undefined.
 */
function importedNames(importer: string, spec: string): string[] | '*' {
  const text = readFileSync(importer, 'utf8');
  const from = `\\s*from\\s*['"]${escapeRe(spec)}['"]`;
  if (new RegExp(`\\bexport\\s*(?:\\*|\\{[^}]*\\})${from}`).test(text)) return '*';
  const names = new Set<string>();
  for (const m of text.matchAll(new RegExp(`\\bimport\\s+(?!type\\s)([^'";]*?)${from}`, 'g'))) {
    const clause = m[1]!;
    if (/\*\s*as\s/.test(clause)) return '*';
    const braces = /\{([^}]*)\}/.exec(clause);
    for (const part of braces ? braces[1]!.split(',') : []) {
      const name = part.trim().replace(/^type\s+.*/, '').split(/\s+as\s+/)[0]!.trim();
      if (name) names.add(name);
    }
  }
  return [...names].sort();
}

/**
 * The source of the virtual ESM module standing for builtin `name`, exporting `names` (or every
 * data property for '*') and the module itself as default.
 */
async function builtinModuleSource(name: string, names: string[] | '*'): Promise<string> {
  const real = (await import(`node:${name}`)) as { default: Record<string, unknown> };
  const descriptors = Object.getOwnPropertyDescriptors(real.default);
  const wanted = names === '*' ? Object.keys(descriptors).filter((k) => isIdentifier(k) && 'value' in descriptors[k]!) : names;
  // The global process is the module: no lookup, and the 'process' builtin is never loaded.
  const load = name === 'process' ? 'process' : `process.getBuiltinModule(${JSON.stringify(`node:${name}`)})`;
  if (lazyBuiltins.has(name)) {
    // Function stubs: a class or a value would need the module at import time.
    const fns = wanted.filter((k) => typeof descriptors[k]?.value === 'function' && !/^[A-Z]/.test(k));
    return ['let m;', `const load = () => (m ??= ${load});`, ...fns.map((k) => `export function ${k}(...a) { return load().${k}(...a); }`)].join('\n');
  }
  const data = wanted.filter((k) => descriptors[k] && 'value' in descriptors[k]);
  return [`const m = ${load};`, 'export default m;', data.length ? `export const { ${data.join(', ')} } = m;` : ''].join('\n');
}
/**
 * The plugin. In the split build, only for hot modules and the rest of src/ (which all import the
 * hot entry, so the virtual module stays in the hot chunk); not for other dependencies: a virtual
 * module imported from them would be reached by other sets of entry points and become a chunk of
 * its own. In the one-file hot script, for every importer.
 */
const builtinsPlugin = (everyImporter: boolean): Plugin => ({
  name: 'builtins',
  setup(b) {
    b.onResolve({ filter: /^(node:)?[a-z_/]+$/ }, (a) => {
      const name = a.path.replace(/^node:/, '');
      if (!builtinNames.has(name) || a.kind === 'dynamic-import' || !(everyImporter || hot.has(a.importer) || a.importer.startsWith(src))) return undefined;
      // require() from a bundled CommonJS dependency gets the module object itself: an ESM
      // module there would be wrapped by __toCommonJS, a getter per export again.
      if (a.kind === 'require-call') return { path: name, namespace: 'node-builtin-cjs' };
      const names = importedNames(a.importer, a.path);
      return { path: `${name}?${names === '*' ? '*' : names.join(',')}`, namespace: 'node-builtin' };
    });
    b.onLoad({ filter: /.*/, namespace: 'node-builtin' }, async (a) => {
      const [name, list] = a.path.split('?') as [string, string];
      return { contents: await builtinModuleSource(name, list === '*' ? '*' : list.split(',').filter(Boolean)), loader: 'js' };
    });
    b.onLoad({ filter: /.*/, namespace: 'node-builtin-cjs' }, (a) => ({ contents: `module.exports = process.getBuiltinModule(${JSON.stringify(`node:${a.path}`)});`, loader: 'js' }));
  },
});

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

/**
 * The module a HotMiss import() resolves to: evaluating it records the miss (so a `catch` on the
 * way cannot hide it: src/util/hot-state.ts) and throws it.
 */
const hotMissModule = (a: { path: string }) => ({
  contents: `import { noteHotMiss } from ${JSON.stringify(`${src}util/hot-state.ts`)};\nthrow noteHotMiss(${JSON.stringify(a.path)});\n`,
  loader: 'ts' as const,
  resolveDir: src,
});

/**
 * fdir requires picomatch from disk when it is loaded (createRequire, four files, about 1 ms on
 * every `cd` after an edit) for its glob() API, which tinyglobby never calls: it passes matchers
 * of its own. The build fails if fdir changes that code, so the patch is looked at again.
 */
const noPicomatchInFdir: Plugin = {
  name: 'no-picomatch-in-fdir',
  setup(b) {
    b.onLoad({ filter: /[\\/]fdir[\\/]dist[\\/]index\.mjs$/ }, (a) => {
      const text = readFileSync(a.path, 'utf8');
      const block = /try \{\s*__require\.resolve\("picomatch"\);\s*pm = __require\("picomatch"\);\s*\} catch \{\}/;
      if (!block.test(text)) throw new Error(`build: ${a.path} no longer has the optional picomatch require this build removes`);
      return { contents: text.replace(block, ''), loader: 'js' };
    });
  },
};

// Build beside dist/ and swap it in, so processes running the old build (tests, a shell hook)
// never see a half-written or missing dist/.
const out = `${root}/dist.tmp-${process.pid}`;
rmSync(out, { recursive: true, force: true });

/**
 * dist/hot.js and dist/engine.js: the hook's commands as two classic scripts for vm.Script, each
 * with a code cache of its own (src/hot.ts says why). hot.js holds the warm path; engine.js the
 * Atmos engine (the src/atmos/ modules hot.js imports dynamically), which only a `cd` after an
 * edit needs: in one script, its code cache would weigh on every warm `cd`. engine.js shares
 * hot.js's modules (errors, log, paths ...: one copy, so `instanceof` and state hold) through a
 * registry hot.js passes it. Every other dynamic import() of hot.js (the AWS SDK, locks, login)
 * becomes a HotMiss, which hands the command to the full CLI. `yaml` (error positions only) is
 * required on demand from node_modules.
 */
const hotScriptEntry = `${src}hot.ts`;
/** Module path as the scripts name it (registry keys): relative to the repository. */
const rel = (p: string): string => p.slice(root.length);

/** What src/hot.ts reaches statically, and the dynamic import() targets among them. */
async function hotScriptGraph(): Promise<{ modules: Set<string>; dynamic: Set<string> }> {
  const dynamic = new Set<string>();
  const record: Plugin = {
    name: 'record-dynamic',
    setup(b) {
      b.onResolve({ filter: /.*/ }, async (a) => {
        if (a.kind !== 'dynamic-import' || a.pluginData === 'inner') return undefined;
        const r = await resolveAsUsual(b, a);
        if (!r.errors.length) dynamic.add(r.path);
        return { path: a.path, external: true };
      });
    },
  };
  const r = await build({ ...common, entryPoints: [hotScriptEntry], write: false, metafile: true, outdir: '/nonexistent', plugins: [record] });
  const modules = new Set(Object.keys(r.metafile!.inputs).map((p) => `${root}${p}`));
  return { modules, dynamic: new Set([...dynamic].filter((p) => !modules.has(p))) };
}
const hotGraph = await hotScriptGraph();
const engineTargets = [...hotGraph.dynamic].filter((p) => p.startsWith(`${src}atmos/`)).sort();
/**
 * Dynamic imports bundled into hot.js itself: token-cache.ts (no SDK) gives profile mode the SSO
 * session's end on every `cd`; as a HotMiss, every profile-mode `cd` would be handed over.
 */
const hotInline = new Set([`${src}aws/token-cache.ts`]);

/** Options both scripts share: CommonJS inside a function expression, whose value the script is. */
const scriptOptions = (params: string) => ({
  ...common,
  format: 'cjs' as const,
  write: false as const,
  external: ['yaml'],
  banner: { js: `(function (module, require, __atmosAuthScriptUrl, __atmosAuthScriptFile, ${params}) {` },
  footer: { js: '})' },
  define: {
    'import.meta.url': '__atmosAuthScriptUrl',
    'import.meta.filename': '__atmosAuthScriptFile',
    __filename: '__atmosAuthScriptFile',
    ATMOS_AUTH_VERSION: JSON.stringify(version),
  },
});

// engine.js: an entry exporting each target's namespace; hot.js's modules come from the registry.
const shared = new Set<string>();
const engineBuild = await build({
  ...scriptOptions('__atmosAuthHotModules'),
  stdin: {
    contents: `${engineTargets.map((p, i) => `import * as m${i} from ${JSON.stringify(p)};`).join('\n')}\nexport const modules = { ${engineTargets.map((p, i) => `${JSON.stringify(rel(p))}: m${i}`).join(', ')} };\n`,
    resolveDir: src,
    loader: 'ts',
  },
  plugins: [
    {
      name: 'hot-modules',
      setup(b) {
        b.onResolve({ filter: /.*/ }, async (a) => {
          if (a.pluginData === 'inner' || a.kind === 'entry-point' || a.namespace === 'hot-module') return undefined;
          const r = await resolveAsUsual(b, a);
          if (r.errors.length || !hotGraph.modules.has(r.path) || !r.path.startsWith(src)) return undefined;
          shared.add(r.path);
          return { path: rel(r.path), namespace: 'hot-module' };
        });
        b.onLoad({ filter: /.*/, namespace: 'hot-module' }, (a) => ({ contents: `module.exports = __atmosAuthHotModules[${JSON.stringify(a.path)}];`, loader: 'js' }));
        b.onResolve({ filter: /.*/ }, (a) => (a.kind === 'dynamic-import' ? { path: a.path, namespace: 'hot-miss' } : undefined));
        b.onLoad({ filter: /.*/, namespace: 'hot-miss' }, hotMissModule);
      },
    },
    builtinsPlugin(true),
    noPicomatchInFdir,
  ],
});

// hot.js: src/hot.ts plus the registry of the modules engine.js shares.
const sharedList = [...shared].sort();
const hotBuild = await build({
  ...scriptOptions('__atmosAuthEngine'),
  stdin: {
    contents: `export * from ${JSON.stringify(hotScriptEntry)};\n${sharedList.map((p, i) => `import * as m${i} from ${JSON.stringify(p)};`).join('\n')}\nexport const modules = { ${sharedList.map((p, i) => `${JSON.stringify(rel(p))}: m${i}`).join(', ')} };\n`,
    resolveDir: src,
    loader: 'ts',
  },
  plugins: [
    {
      name: 'hot-dynamic',
      setup(b) {
        b.onResolve({ filter: /.*/ }, async (a) => {
          if (a.kind !== 'dynamic-import' || a.pluginData === 'inner') return undefined;
          const r = await resolveAsUsual(b, a);
          if (!r.errors.length && (hotGraph.modules.has(r.path) || hotInline.has(r.path))) return r;
          if (!r.errors.length && engineTargets.includes(r.path)) return { path: rel(r.path), namespace: 'engine-module' };
          return { path: a.path, namespace: 'hot-miss' };
        });
        b.onLoad({ filter: /.*/, namespace: 'engine-module' }, (a) => ({ contents: `module.exports = __atmosAuthEngine()[${JSON.stringify(a.path)}];`, loader: 'js' }));
        b.onLoad({ filter: /.*/, namespace: 'hot-miss' }, hotMissModule);
      },
    },
    builtinsPlugin(true),
    lazyWriteFileAtomic,
    {
      // Nothing hot.js runs before a HotMiss writes with write-file-atomic (credentials and
      // profile-mode writes follow an SDK or lock import): it stays out, with signal-exit.
      name: 'no-write-file-atomic',
      setup(b) {
        b.onResolve({ filter: /^write-file-atomic$/ }, (a) => (a.namespace === 'lazy-dep' ? { path: 'write-file-atomic', namespace: 'hot-miss' } : undefined));
      },
    },
    noPicomatchInFdir,
  ],
});

/** Writes a script, after checking it loads nothing by itself; returns its id (content hash). */
function writeScript(name: string, text: string): string {
  // An import() left in a script would fail at run time (vm.Script has no loader); require() is
  // the executable's, for `yaml` alone.
  const leftover = /\bimport\s*\(|\brequire\s*\(\s*["'`](?!yaml["'`])/.exec(text);
  if (leftover) throw new Error(`build: dist/${name} still loads a module: ${text.slice(leftover.index, leftover.index + 80)}`);
  mkdirSync(out, { recursive: true });
  writeFileSync(`${out}/${name}`, text);
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
/** Names each script's code cache: a new build never reads the cache of another. */
const scriptIds = { hot: writeScript('hot.js', hotBuild.outputFiles[0]!.text), engine: writeScript('engine.js', engineBuild.outputFiles[0]!.text) };

const result = await build({
  ...common,
  entryPoints: { 'atmos-auth': `${src}bin.ts` },
  outdir: out,
  outExtension: { '.js': '.mjs' },
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  metafile: true,
  plugins: [oneHotChunk, builtinsPlugin(false), lazyWriteFileAtomic, noPicomatchInFdir],
  banner: {
    // Some CommonJS dependencies call require() (and fdir require.resolve()) or read __filename
    // (write-file-atomic names its temp files with it); give the ESM bundle both. The require is
    // made on its first call: createRequire loads node:module and reading import.meta loads the
    // code that initialises it, which the hot path never needs. __filename goes through `define`
    // because a bundled module may declare its own; import.meta.filename rather than a URL parse,
    // which a bundled `URL` binding (node:url's virtual module) would shadow.
    js: "const require = /* @__PURE__ */ (() => { let r; const get = () => (r ??= process.getBuiltinModule('node:module').createRequire(import.meta.url)); const req = (id) => get()(id); req.resolve = (id, o) => get().resolve(id, o); return req; })();",
  },
  define: {
    __filename: 'import.meta.filename',
    ATMOS_AUTH_VERSION: JSON.stringify(version),
    // Strings, not one object: esbuild would put an object in a shared chunk the executable loads.
    ATMOS_AUTH_HOT_ID: JSON.stringify(scriptIds.hot),
    ATMOS_AUTH_ENGINE_ID: JSON.stringify(scriptIds.engine),
  },
});

// The full CLI's first load: the executable, the chunk of cli.ts and what they import statically.
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
if (files.size > 4) console.warn(`build: the full CLI's first load is ${files.size} files (want at most 4): ${[...files].join(' ')}`);

chmodSync(`${out}/atmos-auth.mjs`, 0o755);
const old = `${root}/dist.old-${process.pid}`;
try {
  renameSync(`${root}/dist`, old);
} catch {
  // first build: nothing to move away
}
renameSync(out, `${root}/dist`);
rmSync(old, { recursive: true, force: true });
