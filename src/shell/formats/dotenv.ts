/**
 * dotenv files (docker compose, node --env-file, python-dotenv): `NAME="value"` with `\`, `"`, `$`
 * and newlines escaped. A dotenv file cannot remove a variable, so unsets are left out.
 */
import type { ShellFormat } from '../format.ts';
import { assertVarName } from '../var-name.ts';

function dotenvQuote(value: string): string {
  const body = value
    .replaceAll('\\', '\\\\')
    .replaceAll('"', '\\"')
    .replaceAll('$', '\\$')
    .replaceAll('\r', '\\r')
    .replaceAll('\n', '\\n');
  return `"${body}"`;
}

export const dotenv: ShellFormat = {
  name: 'dotenv',
  render(change) {
    const lines = Object.entries(change.set).map(([k, v]) => {
      assertVarName(k);
      return `${k}=${dotenvQuote(v)}`;
    });
    return lines.length ? `${lines.join('\n')}\n` : '';
  },
};
