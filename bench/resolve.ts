/**
 * Benchmark for the scale requirements (issue 2 §6, issue 7 target 4): `atmos-auth resolve --json`
 * from a leaf stack directory of a generated 10,000-manifest repository (50 profiles of ~218 KB),
 * as a ratio to the same on a 10-manifest repository, in three cases:
 *
 *   warm        the resolution cache is valid (fixed HOME per repo, after a warm-up): a `cd` back
 *               into a known directory. Target: big/small <= 1.5.
 *   after-edit  one leaf manifest of the directory was rewritten (same content, new mtime 5 s in
 *               the past so the caches accept it) before each run: the resolution cache misses,
 *               the parse cache has every other file. Target: big/small <= 1.5.
 *   cold        a fresh HOME each run: no cache at all. Reported, no target.
 *
 * Bare `node -e 0` is measured in the same run for reference. Each measured run is a fresh process
 * (what a shell hook pays on `cd`); the 7 commands of one round run in a rotating order so machine
 * noise (the CPU is shared) hits all alike; medians. Results: bench/results-resolve.json; exit 1
 * when a target is missed (or resolve fails or answers wrongly).
 *
 *   npm run bench -- resolve [--runs 15] [--warmup 3] [--regen] [--cli dist/atmos-auth.mjs]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureRepo, type GenOptions, type GenResult } from './gen-repo.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const fixtures = path.join(root, 'bench/fixtures');
const TARGET = 1.5;
const PROFILE = 'developers';
const CASES = ['warm', 'after-edit', 'cold'] as const;
type Case = (typeof CASES)[number];
const TARGETS: Record<Case, number | null> = { warm: TARGET, 'after-edit': TARGET, cold: null };

interface Side {
  label: 'small' | 'big';
  repo: string;
  gen: GenResult;
  /** Leaf stage directory the command runs in. */
  cwd: string;
  /** A leaf manifest of cwd, rewritten before each after-edit run. */
  edited: string;
  editedText: string;
  /** The identity the leaf must resolve to (a check that the run did the real work). */
  expect: string;
  /** HOME kept across runs (warm and after-edit). */
  home: string;
  times: Record<Case, number[]>;
}

function fail(msg: string): never {
  console.error(`bench resolve: ${msg}`);
  process.exit(1);
}

/** Generates (or reuses) a fixture repo under bench/fixtures. */
function fixture(name: string, opts: GenOptions, regen: boolean): { repo: string; gen: GenResult } {
  const repo = path.join(fixtures, name);
  return { repo, gen: ensureRepo(repo, opts, regen) };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;

function envFor(home: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env['PATH'],
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
    XDG_DATA_HOME: path.join(home, '.local/share'),
    ATMOS_PROFILE: PROFILE,
    ACME_OWNER: 'bench',
  };
}

/** Rewrites the side's leaf manifest with the same text and an mtime 5 s ago (a fresh one each time). */
function touch(side: Side): void {
  writeFileSync(side.edited, side.editedText);
  const t = Date.now() / 1000 - 5;
  utimesSync(side.edited, t, t);
}

function timed(args: string[], cwd: string, env: NodeJS.ProcessEnv): { ms: number; status: number | null; stdout: string; stderr: string; signal: NodeJS.Signals | null } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { ms: performance.now() - t0, status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

function runCase(cli: string, side: Side, c: Case, check: boolean): number {
  let home = side.home;
  if (c === 'after-edit') touch(side);
  if (c === 'cold') home = mkdtempSync(path.join(tmpdir(), 'atmos-auth-bench-cold-'));
  try {
    const r = timed([cli, 'resolve', '--json'], side.cwd, envFor(home));
    if (r.status !== 0) fail(`resolve (${c}) failed in ${side.cwd} (exit ${r.status ?? r.signal}):\n${(r.stderr || r.stdout || '').trim().slice(0, 2000)}`);
    if (check) {
      let out: { identity?: unknown; stacks?: unknown };
      try {
        out = JSON.parse(r.stdout) as typeof out;
      } catch {
        fail(`resolve --json printed no JSON in ${side.cwd}:\n${r.stdout.slice(0, 500)}`);
      }
      const stacks = Array.isArray(out.stacks) ? out.stacks.length : -1;
      if (out.identity !== side.expect || stacks !== side.gen.regions.length) {
        fail(`unexpected answer (${c}) in ${side.cwd}: identity ${JSON.stringify(out.identity)} (want ${side.expect}), ${stacks} stacks (want ${side.gen.regions.length})`);
      }
    }
    return r.ms;
  } finally {
    if (c === 'cold') rmSync(home, { recursive: true, force: true });
  }
}

function main(): void {
  const { values } = parseArgs({
    allowPositionals: true,
    options: {
      runs: { type: 'string', default: '15' },
      warmup: { type: 'string', default: '3' },
      regen: { type: 'boolean', default: false },
      manifests: { type: 'string', default: '10000' },
      cli: { type: 'string', default: path.join(root, 'dist/atmos-auth.mjs') },
      out: { type: 'string', default: path.join(root, 'bench/results-resolve.json') },
    },
  });
  const runs = Number(values.runs);
  const warmup = Number(values.warmup);
  const cli = path.resolve(values.cli);

  if (!existsSync(cli)) {
    console.log(`${path.relative(root, cli)} missing: building`);
    const b = spawnSync(process.execPath, [path.join(root, 'scripts/build.ts')], { cwd: root, stdio: 'inherit' });
    if (b.status !== 0 || !existsSync(cli)) fail('build failed; run `npm run build` and look at its errors');
  }

  const homes: string[] = [];
  const sides: Side[] = (
    [
      ['small', { manifests: 10, profiles: 50 }],
      ['big', { manifests: Number(values.manifests), profiles: 50 }],
    ] as Array<['small' | 'big', GenOptions]>
  ).map(([label, opts]) => {
    const { repo, gen } = fixture(`repo-${opts.manifests}`, opts, values.regen);
    // The big repo's leaf is a stage in the middle of the tree, not the first one generated.
    const leaf = gen.leafDirs[Math.floor(gen.leafDirs.length / 2)]!;
    const [, , , tenant, stage] = leaf.split('/');
    const cwd = path.join(repo, leaf);
    const manifest = readdirSync(cwd).filter((f) => f.endsWith('.yaml') && f !== '_defaults.yaml').sort()[0];
    if (!manifest) fail(`no leaf manifest in ${cwd}`);
    const edited = path.join(cwd, manifest);
    const home = mkdtempSync(path.join(tmpdir(), `atmos-auth-bench-${label}-`));
    homes.push(home);
    const times = { warm: [], 'after-edit': [], cold: [] } as Record<Case, number[]>;
    return { label, repo, gen, cwd, edited, editedText: readFileSync(edited, 'utf8'), expect: `${tenant}-${stage}/terraform`, home, times };
  });

  type Job = { name: string; run: (check: boolean) => number };
  const nodeTimes: number[] = [];
  const jobs: Job[] = [
    { name: 'node -e 0', run: () => timed(['-e', '0'], root, envFor(tmpdir())).ms },
    ...CASES.flatMap((c) => sides.map((s) => ({ name: `${c} ${s.label}`, run: (check: boolean) => runCase(cli, s, c, check) }))),
  ];
  const record = (j: Job, ms: number) => {
    if (j.name === 'node -e 0') return nodeTimes.push(ms);
    const [c, label] = j.name.split(' ') as [Case, string];
    sides.find((s) => s.label === label)!.times[c].push(ms);
  };
  try {
    // Warm-up fills each HOME's caches and checks every case's answer once.
    for (let i = 0; i < warmup; i++) for (const j of jobs) j.run(i === 0);
    for (let i = 0; i < runs; i++) {
      // Rotate and alternate the order, so no case always follows the same one.
      const k = i % jobs.length;
      const order = [...jobs.slice(k), ...jobs.slice(0, k)];
      if (i % 2) order.reverse();
      for (const j of order) record(j, j.run(false));
    }
  } finally {
    for (const h of homes) rmSync(h, { recursive: true, force: true });
    // Leave the fixture with an ordinary mtime.
    for (const s of sides) writeFileSync(s.edited, s.editedText);
  }

  const stats = (xs: number[]) => ({ medianMs: round(median(xs)), minMs: round(Math.min(...xs)), maxMs: round(Math.max(...xs)), runs: xs.map((t) => round(t)) });
  const nodeMedian = median(nodeTimes);
  const [small, big] = sides as [Side, Side];
  const cases = Object.fromEntries(CASES.map((c) => {
    const ratio = median(big.times[c]) / median(small.times[c]);
    const target = TARGETS[c];
    return [c, {
      small: stats(small.times[c]),
      big: stats(big.times[c]),
      ratio: round(ratio, 3),
      target,
      ok: target === null ? null : ratio <= target,
      smallVsNode: round(median(small.times[c]) / nodeMedian, 2),
      bigVsNode: round(median(big.times[c]) / nodeMedian, 2),
    }];
  })) as Record<Case, { small: ReturnType<typeof stats>; big: ReturnType<typeof stats>; ratio: number; target: number | null; ok: boolean | null; smallVsNode: number; bigVsNode: number }>;
  const ok = CASES.every((c) => cases[c].ok !== false);
  const result = {
    command: 'atmos-auth resolve --json',
    cli: path.relative(root, cli),
    profile: PROFILE,
    node: process.version,
    cpus: cpus().length,
    date: new Date().toISOString(),
    runs,
    warmup,
    repos: Object.fromEntries(sides.map((s) => [s.label, { manifests: s.gen.manifests, profiles: s.gen.profiles.length, cwd: path.relative(s.repo, s.cwd), edited: path.relative(s.repo, s.edited) }])),
    nodeBaseline: stats(nodeTimes),
    cases,
    ok,
  };
  writeFileSync(values.out, JSON.stringify(result, null, 2) + '\n');

  const ms = (s: ReturnType<typeof stats>) => `${s.medianMs.toFixed(1).padStart(7)} (${s.minMs.toFixed(0)}-${s.maxMs.toFixed(0)})`;
  console.log(`resolve --json from a leaf stack directory: ${runs} interleaved rounds after ${warmup} warm-up, medians in ms (min-max), Node ${process.version}, ${cpus().length} CPUs`);
  console.log(`repos: small ${small.gen.manifests} manifests, big ${big.gen.manifests} manifests; ${big.gen.profiles.length} profiles each`);
  console.log(`${'case'.padEnd(11)} ${'small'.padStart(18)} ${'big'.padStart(18)}  big/small  target  small/node  big/node`);
  for (const c of CASES) {
    const r = cases[c];
    const verdict = r.target === null ? '     -' : `<=${r.target} ${r.ok ? 'OK' : 'MISSED'}`;
    console.log(`${c.padEnd(11)} ${ms(r.small).padStart(18)} ${ms(r.big).padStart(18)}  ${r.ratio.toFixed(3).padStart(9)}  ${verdict}  ${r.smallVsNode.toFixed(2).padStart(10)}  ${r.bigVsNode.toFixed(2).padStart(8)}`);
  }
  console.log(`${'node -e 0'.padEnd(11)} ${ms(result.nodeBaseline).padStart(18)}`);
  console.log(`${ok ? 'all targets met' : 'TARGET MISSED'}; written: ${path.relative(root, values.out)}`);
  if (!ok) process.exit(1);
}

main();
