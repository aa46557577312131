/**
 * Reading what the user types: from the terminal (a secret without echo) or, when stdin is a pipe,
 * one line of stdin per question (how tests and scripts feed keys and MFA codes). Never argv.
 */
import { createInterface } from 'node:readline';
import { AtmosAuthError } from '../errors.ts';

/** The user pressed Ctrl-C at a prompt. */
export class PromptCancelledError extends AtmosAuthError {
  override readonly exitCode: number = 130;
}

let pipedLines: AsyncIterator<string> | undefined;

/** The next line of a piped stdin (shared between questions so several answers can be piped). */
async function nextPipedLine(question: string): Promise<string> {
  pipedLines ??= createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false })[Symbol.asyncIterator]();
  const r = await pipedLines.next();
  if (r.done) throw new AtmosAuthError(`no answer on stdin for: ${question.replace(/:\s*$/, '')}`, { hint: 'run it in a terminal, or pipe one answer per line' });
  return r.value.replace(/\r$/, '');
}

/** Reads one line typed on the terminal; `secret` turns echo off. */
function readTty(question: string, secret: boolean, stderr: NodeJS.WritableStream): Promise<string> {
  const stdin = process.stdin;
  return new Promise((resolve, reject) => {
    let buf = '';
    stderr.write(question);
    const finish = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      stderr.write('\n');
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          finish();
          resolve(buf);
          return;
        }
        if (ch === '\u0003' || ch === '\u0004') {
          finish();
          reject(new PromptCancelledError('cancelled'));
          return;
        }
        if (ch === '\u007f' || ch === '\b') {
          if (buf.length && !secret) stderr.write('\b \b');
          buf = buf.slice(0, -1);
        } else if (ch >= ' ') {
          buf += ch;
          if (!secret) stderr.write(ch);
        }
      }
    };
    stdin.setEncoding('utf8');
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}

/** Asks `question` on stderr and returns the answer (terminal or piped stdin). */
export async function promptLine(question: string, opts: { stderr: NodeJS.WritableStream; secret: boolean }): Promise<string> {
  if (process.stdin.isTTY) return readTty(question, opts.secret, opts.stderr);
  return nextPipedLine(question);
}
