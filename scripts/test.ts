// The test command (npm test): type-check, build, then every test/**/*.test.ts file in its own
// process (own HOME, env and emulator per file; two at a time on a 2-core machine). Ends with the
// plain line `N passed, N failed` that CI reads.
import { spawn, spawnSync } from 'node:child_process';
import { globSync } from 'tinyglobby';
import { availableParallelism, tmpdir } from 'node:os';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { census } from './process-census.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const filter = args.filter((a) => !a.startsWith('--'));
let passed = 0;
let failed = 0;

function step(name: string, cmd: string, argv: string[]): boolean {
  const r = spawnSync(cmd, argv, { cwd: root, stdio: 'inherit' });
  if (r.status === 0) {
    console.log(`ok: ${name}`);
    passed++;
    return true;
  }
  console.log(`FAIL: ${name} (exit ${r.status ?? r.signal})`);
  failed++;
  return false;
}

// The Debian packages the suites drive (installed when missing and allowed: scripts/test-packages.sh).
step('test packages', 'sh', [`${root}/scripts/test-packages.sh`]);
step('tsc --noEmit', process.execPath, [`${root}/node_modules/typescript/bin/tsc`, '--noEmit', '-p', root]);
const built = step('build', process.execPath, [`${root}/scripts/build.ts`]);

let files = globSync('test/**/*.test.ts', { cwd: root, ignore: ['**/node_modules/**'] }).sort();
if (filter.length) files = files.filter((f) => filter.some((p) => f.includes(p)));
if (!built) files = [];

interface Result { file: string; out: string; passed: number; failed: number; }

// A test that leaves a process running fails (issue 11): the process would outlive the suite,
// hold ports or files, and in CI keep running after the job. How long a file's processes get to
// end by themselves once its tests are done:
const LEFTOVER_GRACE_MS = 3000;

function runFile(file: string): Promise<Result> {
  const procs = census(file);
  // A private TMPDIR per file (short: unix socket paths under it must stay under 108 bytes): what
  // is left in it when the file ends is a temporary directory a test did not remove.
  const tmp = mkdtempSync(join(tmpdir(), 'aat-'));
  return new Promise<Result>((resolve) => {
    const [cmd, argv] = procs.wrap(process.execPath, [file]);
    const child = spawn(cmd, argv, {
      cwd: root,
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1', ATMOS_AUTH_TEST: '1', TMPDIR: tmp, ...procs.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => { out += `\n(timed out after 300 s)\n`; child.kill('SIGKILL'); }, 300_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      const total = Number(/Total:\s+(\d+)/.exec(out)?.[1] ?? 0);
      const ok = Number(/Passed:\s+(\d+)/.exec(out)?.[1] ?? 0);
      const skipped = Number(/Skipped:\s+(\d+)/.exec(out)?.[1] ?? 0);
      let bad = total - ok - skipped;
      // A file that crashed or exited non-zero without a failing count still counts as a failure.
      if (code !== 0 && bad === 0) bad = 1;
      if (total === 0 && code === 0) { bad = 1; out += '\n(no tests ran)\n'; }
      resolve({ file, out, passed: ok, failed: bad });
    });
  }).then(async (result) => {
    let r = result;
    const left = await procs.survivors(LEFTOVER_GRACE_MS);
    procs.close();
    const files = readdirSync(tmp);
    rmSync(tmp, { recursive: true, force: true });
    if (left.length) {
      const list = left.map((p) => `      pid ${p.pid}: ${p.args}`).join('\n');
      r = { ...r, failed: r.failed + 1, out: `${r.out}\n(left ${left.length} process(es) running after its tests ended, found by ${procs.method}; killed now)\n${list}\n` };
    }
    if (files.length) r = { ...r, failed: r.failed + 1, out: `${r.out}\n(left ${files.length} temporary file(s) behind: ${files.slice(0, 8).join(', ')}${files.length > 8 ? ', ...' : ''}; removed now)\n` };
    return r;
  });
}

{
  const probe = census('probe');
  console.log(`leftover processes: found by ${probe.method}${probe.method === 'cgroup' ? '' : ' (partial: no writable cgroup; run as root for a complete check)'}`);
  probe.close();
}

const queue = [...files];
const width = Math.max(1, Math.min(Number(process.env.TEST_JOBS ?? availableParallelism()), 4));
async function worker(): Promise<void> {
  for (let f = queue.shift(); f; f = queue.shift()) {
    const r = await runFile(f);
    passed += r.passed;
    failed += r.failed;
    const tag = r.failed ? 'FAIL' : 'ok';
    console.log(`${tag}: ${r.file} (${r.passed} passed, ${r.failed} failed)`);
    if (r.failed || process.env.TEST_VERBOSE) console.log(r.out.replace(/^/gm, '    '));
  }
}
await Promise.all(Array.from({ length: width }, worker));
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
