/**
 * GitHub Actions `$GITHUB_ENV` file syntax. Every value uses the multi-line form
 * `NAME<<DELIM ... DELIM` with a random delimiter that cannot occur in the value, so a value can
 * never end the block early and define other variables. GITHUB_ENV cannot remove a variable, so
 * unsets become empty values (the SDKs treat an empty AWS_PROFILE as unset).
 */
import { randomBytes } from 'node:crypto';
import type { ShellFormat } from '../format.ts';
import { assertVarName } from '../var-name.ts';

function delimiterFor(value: string): string {
  for (;;) {
    const d = `ATMOS_AUTH_EOF_${randomBytes(12).toString('hex')}`;
    if (!value.includes(d)) return d;
  }
}

export const github: ShellFormat = {
  name: 'github',
  render(change) {
    const lines: string[] = [];
    const entries: [string, string][] = [...Object.entries(change.set), ...change.unset.map((k): [string, string] => [k, ''])];
    for (const [k, v] of entries) {
      assertVarName(k);
      const d = delimiterFor(v);
      lines.push(`${k}<<${d}`, v, d);
    }
    return lines.length ? `${lines.join('\n')}\n` : '';
  },
};
