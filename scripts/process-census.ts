// Which processes a test file left running. Each file runs inside a cgroup of its own, so every
// process it starts is found afterwards however it detached (setsid, a tmux server, a `detached`
// spawn of node: reparented to init, still in the cgroup). Without a writable cgroup (not root,
// or no cgroupfs) the census falls back to processes whose environment carries the file's marker
// variable, which catches those that inherited the test's environment and says that it is partial.
import { accessSync, constants, mkdirSync, readFileSync, readdirSync, rmdirSync } from 'node:fs';

/** A process still alive after its test file ended. */
export interface Survivor {
  pid: number;
  args: string;
}

/** The processes of one test file. */
export interface Census {
  /** argv that runs `cmd` inside the census (the first process joins before it execs). */
  wrap(cmd: string, args: string[]): [string, string[]];
  /** Environment additions for the file's process (the fallback's marker). */
  readonly env: Record<string, string>;
  /** Processes still alive; waits up to `graceMs` for them to end by themselves. */
  survivors(graceMs: number): Promise<Survivor[]>;
  /** Kills whatever is left and removes the cgroup. */
  close(): void;
  /** How survivors are found ('cgroup' is complete, 'environment' partial). */
  readonly method: 'cgroup' | 'environment';
}

// cgroup v2 (unified) first, then v1's pids controller: both list every member in cgroup.procs.
const HIERARCHIES = ['/sys/fs/cgroup/unified', '/sys/fs/cgroup/pids', '/sys/fs/cgroup'];

function makeCgroup(name: string): string | null {
  for (const h of HIERARCHIES) {
    const dir = `${h}/${name}`;
    try {
      readFileSync(`${h}/cgroup.procs`);
      mkdirSync(dir);
      accessSync(`${dir}/cgroup.procs`, constants.W_OK);
      return dir;
    } catch {
      try { rmdirSync(dir); } catch { /* not made */ }
    }
  }
  return null;
}

function argsOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ').slice(0, 200);
  } catch {
    return '?';
  }
}

function alive(pid: number): boolean {
  try {
    // A zombie has exited: it is its parent's to reap, not a leftover.
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function members(dir: string): number[] {
  try {
    return readFileSync(`${dir}/cgroup.procs`, 'utf8').split('\n').filter(Boolean).map(Number).filter(alive);
  } catch {
    return [];
  }
}

function markedWith(marker: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${e}/environ`, 'latin1').split('\0').includes(marker) && alive(Number(e))) out.push(Number(e));
    } catch {
      // Gone, or another user's.
    }
  }
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A census for one test file; `id` must be unique among those alive at once. */
export function census(id: string): Census {
  const name = `atmos-auth-test-${process.pid}-${id.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
  const dir = makeCgroup(name);
  const marker = `ATMOS_AUTH_TEST_CENSUS=${name}`;
  const list = (): number[] => (dir ? members(dir) : markedWith(marker));
  return {
    method: dir ? 'cgroup' : 'environment',
    env: { ATMOS_AUTH_TEST_CENSUS: name },
    wrap(cmd, args) {
      if (!dir) return [cmd, args];
      // The shell joins the cgroup, then becomes the test process: nothing runs outside it.
      return ['/bin/sh', ['-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', dir, cmd, ...args]];
    },
    async survivors(graceMs) {
      const until = Date.now() + graceMs;
      let pids = list();
      while (pids.length && Date.now() < until) {
        await sleep(100);
        pids = list();
      }
      return pids.map((pid) => ({ pid, args: argsOf(pid) }));
    },
    close() {
      for (let i = 0; i < 20; i++) {
        const pids = list();
        if (!pids.length) break;
        for (const pid of pids) {
          try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
        }
      }
      if (dir) {
        try { rmdirSync(dir); } catch { /* a process still exiting: the kernel frees it later */ }
      }
    },
  };
}
