// Bundles the CLI into one ESM file (dist/atmos-auth.mjs). One file starts faster than a tree
// of modules; the AWS SDK stays in separate chunks so the hot path never parses it.
import { build } from 'esbuild';
import { chmodSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// Build beside dist/ and swap it in, so processes running the old build (tests, a shell hook)
// never see a half-written or missing dist/.
const out = `${root}/dist.tmp-${process.pid}`;
rmSync(out, { recursive: true, force: true });
await build({
  entryPoints: { 'atmos-auth': `${root}/src/cli.ts` },
  outdir: out,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  chunkNames: 'chunks/[name]-[hash]',
  // Prefer the ES module builds (the AWS SDK ships both): their named exports survive a dynamic
  // import() in the bundle, where a CommonJS build would come back as a bare `default`.
  mainFields: ['module', 'main'],
  banner: {
    // Some CommonJS dependencies call require() or read __filename (write-file-atomic names its
    // temp files with it); give the ESM bundle both. __filename goes through `define` because a
    // bundled module may declare its own.
    js: "import { createRequire as __atmosAuthCreateRequire } from 'node:module'; const require = __atmosAuthCreateRequire(import.meta.url); const __atmosAuthFilename = new URL(import.meta.url).pathname;",
  },
  define: {
    __filename: '__atmosAuthFilename',
    ATMOS_AUTH_VERSION: JSON.stringify((JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as { version: string }).version),
  },
  legalComments: 'none',
  logLevel: 'warning',
});
chmodSync(`${out}/atmos-auth.mjs`, 0o755);
const old = `${root}/dist.old-${process.pid}`;
try {
  renameSync(`${root}/dist`, old);
} catch {
  // first build: nothing to move away
}
renameSync(out, `${root}/dist`);
rmSync(old, { recursive: true, force: true });
