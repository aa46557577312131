/**
 * fish: `set -gx NAME 'value'`. Inside fish single quotes only `\` and `'` are special (each gets a
 * backslash); everything else is literal, newlines, CR, control and private-use characters too, in
 * a UTF-8 locale and in C (test/shell/roundtrip.test.ts). NUL and lone surrogates are refused
 * (var-name.ts).
 */
import type { ShellFormat } from '../format.ts';
import { assertEnvValue, assertVarName } from '../var-name.ts';

/** Quotes any string as one fish word that expands to exactly that string. */
export function fishQuote(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

export const fish: ShellFormat = {
  name: 'fish',
  render(change) {
    const lines: string[] = [];
    for (const [k, v] of Object.entries(change.set)) {
      assertVarName(k);
      assertEnvValue(k, v);
      lines.push(`set -gx ${k} ${fishQuote(v)};`);
    }
    for (const k of change.unset) {
      assertVarName(k);
      lines.push(`set -e ${k};`);
    }
    return lines.length ? `${lines.join('\n')}\n` : '';
  },
};
