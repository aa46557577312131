/**
 * JSON: one object, name -> value, and name -> null for variables to remove. JSON itself could
 * carry NUL and lone surrogates (as escapes), but no environment variable can: they are refused as
 * in every format (var-name.ts), so every format means the same values.
 */
import type { ShellFormat } from '../format.ts';
import { assertEnvValue, assertVarName } from '../var-name.ts';

export const json: ShellFormat = {
  name: 'json',
  render(change) {
    const out: Record<string, string | null> = {};
    for (const [k, v] of Object.entries(change.set)) {
      assertVarName(k);
      assertEnvValue(k, v);
      out[k] = v;
    }
    for (const k of change.unset) {
      assertVarName(k);
      out[k] = null;
    }
    return `${JSON.stringify(out, null, 2)}\n`;
  },
};
