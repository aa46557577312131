/**
 * Environment changes rendered as text for one consumer. One file per output format behind one
 * small interface, as direnv does it; `render` output is complete and safe to eval: every value is
 * data, never code, whatever it contains (quotes, $(), backticks, newlines, non-ASCII), and reads
 * back byte for byte. A value a format cannot carry exactly (NUL or a lone surrogate in any format;
 * dotenv and github have limits of their own, see their modules) makes `render` throw, naming the
 * variable: nothing is printed rather than something that means another value.
 */
import { UsageError } from '../errors.ts';
import { bash } from './formats/posix.ts';
import { dotenv } from './formats/dotenv.ts';
import { fish } from './formats/fish.ts';
import { github } from './formats/github.ts';
import { json } from './formats/json.ts';

/** Variables to set (name -> value) and to remove. A name never appears in both. */
export interface EnvChange {
  set: Record<string, string>;
  unset: string[];
}

/** One output format. */
export interface ShellFormat {
  readonly name: string;
  /** Text that applies `change`; '' when there is nothing to do. Throws an AtmosAuthError naming the variable for a value it cannot carry. */
  render(change: EnvChange): string;
}

const formats: Record<string, ShellFormat> = {
  bash,
  zsh: { ...bash, name: 'zsh' },
  sh: { ...bash, name: 'sh' },
  fish,
  dotenv,
  json,
  github,
};

/** Names accepted by `--format`. */
export const formatNames: readonly string[] = Object.keys(formats);

/** The format called `name`; a UsageError listing the valid names otherwise. */
export function getFormat(name: string): ShellFormat {
  const f = formats[name];
  if (!f) throw new UsageError(`unknown format '${name}'`, { hint: `use one of: ${formatNames.join(', ')}` });
  return f;
}

// Lives in its own module so that formats/*.ts need not import this file (an import cycle that broke
// whoever imported a format module first).
export { assertEnvValue, assertVarName } from './var-name.ts';
