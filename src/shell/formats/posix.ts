/**
 * bash, zsh and POSIX sh: `export NAME='value'`, with `'` written as `'\''`; every other character
 * is literal inside single quotes. NUL and lone surrogates are refused (var-name.ts).
 */
import type { ShellFormat } from '../format.ts';
import { assertEnvValue, assertVarName } from '../var-name.ts';

/** Quotes any string as one POSIX shell word that expands to exactly that string. */
export function posixQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

export const bash: ShellFormat = {
  name: 'bash',
  render(change) {
    const lines: string[] = [];
    for (const [k, v] of Object.entries(change.set)) {
      assertVarName(k);
      assertEnvValue(k, v);
      lines.push(`export ${k}=${posixQuote(v)};`);
    }
    for (const k of change.unset) {
      assertVarName(k);
      lines.push(`unset ${k};`);
    }
    return lines.length ? `${lines.join('\n')}\n` : '';
  },
};
