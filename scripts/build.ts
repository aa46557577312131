// Bundles the CLI into one ESM file (dist/atmos-auth.mjs). One file starts faster than a tree
// of modules; the AWS SDK stays in separate chunks so the hot path never parses it.
import { build } from 'esbuild';
import { chmodSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
rmSync(`${root}/dist`, { recursive: true, force: true });
await build({
  entryPoints: { 'atmos-auth': `${root}/src/cli.ts` },
  outdir: `${root}/dist`,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  chunkNames: 'chunks/[name]-[hash]',
  banner: {
    // Some CommonJS dependencies call require(); give the ESM bundle one.
    js: "import { createRequire as __atmosAuthCreateRequire } from 'node:module'; const require = __atmosAuthCreateRequire(import.meta.url);",
  },
  legalComments: 'none',
  logLevel: 'warning',
});
chmodSync(`${root}/dist/atmos-auth.mjs`, 0o755);
