/** fish: `set -gx NAME 'value'`; inside fish single quotes only `\` and `'` need a backslash. */
import type { ShellFormat } from '../format.ts';
import { assertVarName } from '../var-name.ts';

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
      lines.push(`set -gx ${k} ${fishQuote(v)};`);
    }
    for (const k of change.unset) {
      assertVarName(k);
      lines.push(`set -e ${k};`);
    }
    return lines.length ? `${lines.join('\n')}\n` : '';
  },
};
