/**
 * Standard streams for the hot path without Node's stream objects. The first touch of
 * process.stdout, process.stderr or process.stdin builds a stream (for a pipe or a terminal: net,
 * tty and the stream classes), which costs about 4 ms each: more than a warm `cd` does otherwise.
 */
import { writeSync } from 'node:fs';
import { isatty } from 'node:tty';

/** Writes `text` to stdout synchronously (fd 1); falls back to process.stdout on EAGAIN. */
export function writeStdout(text: string): void {
  const buf = Buffer.from(text, 'utf8');
  let off = 0;
  try {
    while (off < buf.length) off += writeSync(1, buf, off, buf.length - off);
  } catch (err) {
    // A non-blocking pipe that is full: let the stream wait for it.
    if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
    process.stdout.write(buf.subarray(off));
  }
}

/** True when file descriptor `fd` is a terminal (as process.stdin.isTTY, without the stream). */
export function isTerminal(fd: number): boolean {
  return isatty(fd);
}
