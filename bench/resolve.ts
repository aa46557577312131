/**
 * Benchmark for the issue-2 scale requirement: `atmos-auth resolve --json` from a leaf stack
 * directory of a generated 10,000-manifest repository, as a ratio to the same on a 10-manifest
 * repository. Target: ratio of medians <= 1.5. Exits 1 when missed (or when resolve fails).
 *
 *   npm run bench -- resolve [--runs 15] [--warmup 3] [--regen]
 *   node bench/resolve.ts [same options]
 *
 * Each measured run is a fresh process (what a shell hook pays on `cd`), with a throwaway HOME and
 * XDG dirs so no user state or cache is read. Runs alternate small/big (and which goes first) so
 * machine noise hits both sides alike. Results go to bench/results-resolve.json.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateRepo, type GenOptions, type GenResult } from './gen-repo.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = path.join(root, 'dist/atmos-auth.mjs');
const fixtures = path.join(root, 'bench/fixtures');
const TARGET = 1.5;
const PROFILE = 'developers';

interface Side {
  label: string;
  opts: GenOptions;
  repo: string;
  gen: GenResult;
  /** Leaf stage directory the command runs in. */
  cwd: string;
  /** The identity the leaf must resolve to (a check that the run did the real work). */
  expect: string;
  times: number[];
}

function fail(msg: string): never {
  console.error(`bench resolve: ${msg}`);
  process.exit(1);
}

/** Generates (or reuses) a fixture repo; regenerates when the options or the generator changed. */
function fixture(name: string, opts: GenOptions, regen: boolean): { repo: string; gen: GenResult } {
  const repo = path.join(fixtures, name);
  const stamp = path.join(repo, '.gen.json');
  const generator = readFileSync(path.join(root, 'bench/gen-repo.ts'), 'utf8');
  const key = JSON.stringify({ opts, generatorLength: generator.length, generatorHash: hash(generator) });
  if (!regen && existsSync(stamp)) {
    const saved = JSON.parse(readFileSync(stamp, 'utf8')) as { key: string; gen: GenResult };
    if (saved.key === key) return { repo, gen: saved.gen };
  }
  const t0 = performance.now();
  const gen = generateRepo(repo, opts);
  writeFileSync(stamp, JSON.stringify({ key, gen }));
  console.log(`generated ${path.relative(root, repo)}: ${gen.manifests} manifests, ${gen.profiles.length} profiles (${Math.round(performance.now() - t0)} ms)`);
  return { repo, gen };
}

function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;

function runOnce(side: Side, env: NodeJS.ProcessEnv, check: boolean): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [cli, 'resolve', '--json'], { cwd: side.cwd, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  const ms = performance.now() - t0;
  if (r.status !== 0) {
    fail(`resolve failed in ${side.cwd} (exit ${r.status ?? r.signal}):\n${(r.stderr || r.stdout || '').trim().slice(0, 2000)}`);
  }
  if (check) {
    let out: { identity?: unknown; stacks?: unknown };
    try {
      out = JSON.parse(r.stdout) as typeof out;
    } catch {
      fail(`resolve --json printed no JSON in ${side.cwd}:\n${r.stdout.slice(0, 500)}`);
    }
    const stacks = Array.isArray(out.stacks) ? out.stacks.length : -1;
    if (out.identity !== side.expect || stacks !== side.gen.regions.length) {
      fail(`unexpected answer in ${side.cwd}: identity ${JSON.stringify(out.identity)} (want ${side.expect}), ${stacks} stacks (want ${side.gen.regions.length})`);
    }
  }
  return ms;
}

function main(): void {
  const { values } = parseArgs({
    allowPositionals: true,
    options: {
      runs: { type: 'string', default: '15' },
      warmup: { type: 'string', default: '3' },
      regen: { type: 'boolean', default: false },
      manifests: { type: 'string', default: '10000' },
    },
  });
  const runs = Number(values.runs);
  const warmup = Number(values.warmup);

  if (!existsSync(cli)) {
    console.log('dist/atmos-auth.mjs missing: building');
    const b = spawnSync(process.execPath, [path.join(root, 'scripts/build.ts')], { cwd: root, stdio: 'inherit' });
    if (b.status !== 0 || !existsSync(cli)) fail('build failed; run `npm run build` and look at its errors');
  }

  const sides: Side[] = (
    [
      ['small', { manifests: 10, profiles: 50 }],
      ['big', { manifests: Number(values.manifests), profiles: 50 }],
    ] as Array<[string, GenOptions]>
  ).map(([label, opts]) => {
    const { repo, gen } = fixture(`repo-${opts.manifests}`, opts, values.regen);
    // The big repo's leaf is a stage in the middle of the tree, not the first one generated.
    const leaf = gen.leafDirs[Math.floor(gen.leafDirs.length / 2)]!;
    const [, , , tenant, stage] = leaf.split('/');
    return { label, opts, repo, gen, cwd: path.join(repo, leaf), expect: `${tenant}-${stage}/terraform`, times: [] };
  });

  const home = mkdtempSync(path.join(tmpdir(), 'atmos-auth-bench-'));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'],
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
    XDG_DATA_HOME: path.join(home, '.local/share'),
    ATMOS_PROFILE: PROFILE,
    ACME_OWNER: 'bench',
  };
  try {
    for (const side of sides) for (let i = 0; i < warmup; i++) runOnce(side, env, i === 0);
    for (let i = 0; i < runs; i++) {
      const order = i % 2 === 0 ? sides : [...sides].reverse();
      for (const side of order) side.times.push(runOnce(side, env, false));
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
  }

  const [small, big] = sides as [Side, Side];
  const stats = (s: Side) => ({
    manifests: s.gen.manifests,
    cwd: path.relative(s.repo, s.cwd),
    medianMs: round(median(s.times)),
    minMs: round(Math.min(...s.times)),
    maxMs: round(Math.max(...s.times)),
    runs: s.times.map((t) => round(t)),
  });
  const ratio = median(big.times) / median(small.times);
  const ok = ratio <= TARGET;
  const result = {
    command: 'atmos-auth resolve --json',
    profile: PROFILE,
    node: process.version,
    cpus: cpus().length,
    date: new Date().toISOString(),
    warmup,
    small: stats(small),
    big: stats(big),
    ratio: round(ratio, 3),
    target: TARGET,
    ok,
  };
  writeFileSync(path.join(root, 'bench/results-resolve.json'), JSON.stringify(result, null, 2) + '\n');

  const line = (s: ReturnType<typeof stats>) =>
    `${String(s.manifests).padStart(6)} manifests  median ${s.medianMs.toFixed(1).padStart(7)} ms  (min ${s.minMs.toFixed(1)}, max ${s.maxMs.toFixed(1)})  cwd ${s.cwd}`;
  console.log(`resolve --json, ${runs} interleaved runs after ${warmup} warm-up each (Node ${process.version})`);
  console.log(line(result.small));
  console.log(line(result.big));
  console.log(`ratio big/small ${result.ratio.toFixed(3)} (target <= ${TARGET}): ${ok ? 'OK' : 'MISSED'}`);
  console.log('written: bench/results-resolve.json');
  if (!ok) process.exit(1);
}

main();
