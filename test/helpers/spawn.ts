// Running a program without blocking the test process: the emulator, fake API servers and
// registries of a test answer from its event loop, which spawnSync would stall.
import { spawn } from 'node:child_process';

/** What a finished program gave. */
export interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `cmd args` to its end (killed after `timeoutMs`), stdin closed; collects its output. */
export function runAsync(cmd: string, args: string[], o: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: o.env, cwd: o.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 60_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}
