/**
 * Standard streams for the hot path without Node's stream objects. The first touch of
 * process.stdout, process.stderr or process.stdin builds a stream (for a pipe or a terminal: net,
 * tty and the stream classes), which costs about 4 ms each: more than a warm `cd` does otherwise.
 */
import { writeSync } from 'node:fs';
import { isatty } from 'node:tty';
import { assertNoHotMiss } from './hot-state.ts';

/** True once a write went through process.stdout/stderr (see writeFd): it may still be flushing. */
let streamUsed = false;

/**
 * Writes `text` to file descriptor 1 or 2 synchronously; falls back to the stream on EAGAIN (a
 * non-blocking pipe that is full: the stream waits for it).
 */
export function writeFd(fd: 1 | 2, text: string): void {
  const buf = Buffer.from(text, 'utf8');
  let off = 0;
  try {
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') {
      // A broken stderr (EPIPE: the reader went away) must not turn a notice or a debug line
      // into a failed command; stdout is the answer, so its errors stand.
      if (fd === 2) return;
      throw err;
    }
    streamUsed = true;
    (fd === 1 ? process.stdout : process.stderr).write(buf.subarray(off));
  }
}

/** Writes `text` to stdout synchronously (see writeFd); never after a HotMiss (hot-state.ts). */
export function writeStdout(text: string): void {
  assertNoHotMiss();
  writeFd(1, text);
}

/**
 * True when nothing written so far can still be in flight: every write finished synchronously.
 * The executable then ends the process at once after a hot command (process.exit skips Node's
 * teardown, about 1 % of a warm `cd`).
 */
export function outputFlushed(): boolean {
  return !streamUsed;
}

/** True when file descriptor `fd` is a terminal (as process.stdin.isTTY, without the stream). */
export function isTerminal(fd: number): boolean {
  return isatty(fd);
}
