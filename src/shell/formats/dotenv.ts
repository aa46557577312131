/**
 * dotenv files, in the one dialect that these readers all take as the same bytes:
 * bash, zsh and dash `set -a; . ./.env`; `node --env-file`; python-dotenv (`dotenv_values`,
 * `load_dotenv`, interpolation on, its default); direnv's `dotenv`; docker compose `env_file`
 * (compose is not tested here: we rely on its documented rules, "single-quoted values are used
 * literally", double-quoted ones interpolate `$` and decode `\` escapes).
 *
 *   NAME='value'    the default: every character literal in all of them
 *   NAME="value"    only for a value holding `'` and none of `"` `$` `` ` `` `\`, which double
 *                   quotes then keep literal in all of them too
 *
 * A value they would not all read back byte for byte is refused with an AtmosAuthError naming the
 * variable (never the value), before anything is written; `--format json` or `bash` carries any
 * value. Refused:
 * - a newline: direnv rejects a quoted value spanning lines ("invalid line"), node and
 *   python-dotenv take it;
 * - a carriage return: node drops it, python-dotenv (universal-newline mode) reads it as LF;
 * - `${`: python-dotenv expands `${NAME}` and `${NAME:-default}` even inside single quotes
 *   (dotenv/variables.py), the others keep it;
 * - `\\`, or `\` at the end: python-dotenv decodes `\\` and `\'` inside single quotes
 *   (dotenv/parser.py, _single_quote_escapes), and compose reads `\'` as a quote, not the end;
 * - `'` together with `"`, `$`, `` ` `` or `\`: single quotes cannot hold `'` (the shells know no
 *   escape there), and in double quotes `"` ends the value, the shells expand `$` and run
 *   `` ` ``, python-dotenv decodes `\`;
 * - NUL and lone surrogates, as in every format (var-name.ts).
 * test/shell/roundtrip.test.ts reads generated values back through each reader but compose (with
 * python-dotenv 0.21, Debian's). Atmos's own dotenv output (pkg/env/formatters.go:16-20) quotes for
 * shells only (`'\''`), which node, python-dotenv and direnv read differently.
 * A dotenv file cannot remove a variable, so unsets are left out.
 */
import { AtmosAuthError } from '../../errors.ts';
import type { ShellFormat } from '../format.ts';
import { assertEnvValue, assertVarName } from '../var-name.ts';

/** Why `value` cannot be written in this dialect; null when it can. */
function refusal(value: string): string | null {
  if (value.includes('\n')) return 'a newline, which dotenv readers disagree on (direnv refuses it)';
  if (value.includes('\r')) return 'a carriage return, which node drops and python-dotenv reads as a newline';
  if (value.includes('${')) return '`${`, which python-dotenv expands even inside single quotes';
  if (value.includes('\\\\') || value.endsWith('\\')) return 'a backslash that python-dotenv would unescape (`\\\\` or a trailing `\\`)';
  if (value.includes("'") && /["$`\\]/.test(value)) return "`'` together with one of \" $ ` \\, which no dotenv quoting keeps literal for every reader";
  return null;
}

function dotenvQuote(name: string, value: string): string {
  const why = refusal(value);
  if (why) {
    throw new AtmosAuthError(`${name}: value contains ${why}; nothing was written`, { hint: 'use --format json or bash, which carry any value' });
  }
  return value.includes("'") ? `"${value}"` : `'${value}'`;
}

export const dotenv: ShellFormat = {
  name: 'dotenv',
  render(change) {
    const lines = Object.entries(change.set).map(([k, v]) => {
      assertVarName(k);
      assertEnvValue(k, v);
      return `${k}=${dotenvQuote(k, v)}`;
    });
    return lines.length ? `${lines.join('\n')}\n` : '';
  },
};
