/** JSON: one object, name -> value, and name -> null for variables to remove. */
import type { ShellFormat } from '../format.ts';
import { assertVarName } from '../var-name.ts';

export const json: ShellFormat = {
  name: 'json',
  render(change) {
    const out: Record<string, string | null> = {};
    for (const [k, v] of Object.entries(change.set)) {
      assertVarName(k);
      out[k] = v;
    }
    for (const k of change.unset) {
      assertVarName(k);
      out[k] = null;
    }
    return `${JSON.stringify(out, null, 2)}\n`;
  },
};
