/**
 * `npm run bench -- NAME [options]`: runs bench/NAME.ts with the options. Benchmarks are scripts,
 * never timed tests. Available: resolve.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const [name = 'resolve', ...rest] = process.argv.slice(2);
const script = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
if (!/^[a-z][a-z-]*$/.test(name) || name === 'run' || name === 'gen-repo' || !existsSync(script)) {
  console.error(`unknown benchmark ${JSON.stringify(name)}; available: resolve`);
  process.exit(2);
}
const r = spawnSync(process.execPath, [script, ...rest], { stdio: 'inherit' });
process.exit(r.status ?? 1);
