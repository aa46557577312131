/**
 * Typed errors. Every error the user can meet is an AtmosAuthError: it carries a message that says
 * what to do, an exit code, and (for configuration errors) the file and position it comes from.
 * Nothing else should reach the top level; anything that does is a bug and is reported as one.
 */

import { writeFd } from './util/stdio.ts';

/** Where in which file a problem sits; line and col are 1-based. */
export interface SourcePos {
  file: string;
  line?: number;
  col?: number;
}

/** Formats `file:line:col` (as much of it as is known). */
export function formatPos(pos: SourcePos): string {
  let s = pos.file;
  if (pos.line !== undefined) s += `:${pos.line}`;
  if (pos.line !== undefined && pos.col !== undefined) s += `:${pos.col}`;
  return s;
}

/** Base of every error meant for the user. `hint` is the one thing to do about it. */
export class AtmosAuthError extends Error {
  readonly exitCode: number = 1;
  readonly hint?: string;
  constructor(message: string, options?: { hint?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    if (options?.hint) this.hint = options.hint;
  }
  /** The single line (or two) printed on stderr. */
  render(): string {
    return this.hint ? `${this.message}\n  ${this.hint}` : this.message;
  }
}

/** Bad Atmos configuration: YAML syntax, imports, profiles, identities. Names file and line. */
export class ConfigError extends AtmosAuthError {
  readonly pos?: SourcePos;
  constructor(message: string, pos?: SourcePos, options?: { hint?: string; cause?: unknown }) {
    // Every error says what to do next: for a file's content without a more specific hint, edit it
    // there and re-check offline (resolve reads the same files the failing command did).
    super(message, options?.hint || !pos?.file ? options : { ...options, hint: 'fix it there; `atmos-auth resolve` checks the result offline' });
    if (pos) this.pos = pos;
  }
  override render(): string {
    const where = this.pos ? `${formatPos(this.pos)}: ` : '';
    return this.hint ? `${where}${this.message}\n  ${this.hint}` : `${where}${this.message}`;
  }
}

/** Wrong use of the command line (unknown format, missing argument). */
export class UsageError extends AtmosAuthError {
  override readonly exitCode: number = 2;
}

/**
 * Prints what the user needs about an error that ended a command and returns the exit code: an
 * AtmosAuthError as its message and hint, anything else as the internal error (a bug) it is.
 */
export function reportError(err: unknown): number {
  if (err instanceof AtmosAuthError) {
    writeFd(2, `atmos-auth: ${err.render()}\n`);
    return err.exitCode;
  }
  writeFd(2, `atmos-auth: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return 70;
}

