/**
 * GitHub Actions `$GITHUB_ENV` file syntax ("Workflow commands for GitHub Actions", Setting an
 * environment variable, Multiline strings: `{name}<<{delimiter}`, the value's lines, then a line
 * `{delimiter}`). Every value uses that form with a random delimiter that cannot occur in the value,
 * so a value can never end its block early and define other variables. The runner (actions/runner,
 * src/Runner.Worker/FileCommandManager.cs) splits the file at `\n`, on Windows also at `\r\n`, and
 * takes the value as the text between the header line and the delimiter line, minus the line end
 * before the delimiter: any CR is kept, except a CR that ends the value, which a Windows runner reads
 * as part of that line end. Such a value is refused (naming the variable), as are NUL and lone
 * surrogates (var-name.ts).
 *
 * The text starts with an empty line (the runner skips empty lines): appended to a file whose last
 * line has no line end, it ends that line instead of turning our header into part of its value
 * (and our values' lines into `NAME=value` definitions).
 *
 * GITHUB_ENV cannot remove a variable, so unsets become empty values (the SDKs treat an empty
 * AWS_PROFILE as unset).
 */
import { randomBytes } from 'node:crypto';
import { AtmosAuthError } from '../../errors.ts';
import type { ShellFormat } from '../format.ts';
import { assertEnvValue, assertVarName } from '../var-name.ts';

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
      assertEnvValue(k, v);
      if (v.endsWith('\r')) {
        throw new AtmosAuthError(`${k}: value ends with a carriage return, which the Actions runner on Windows drops as part of a line end; nothing was written`, { hint: 'use --format json, or remove the trailing CR where the value comes from' });
      }
      const d = delimiterFor(v);
      lines.push(`${k}<<${d}`, v, d);
    }
    return lines.length ? `\n${lines.join('\n')}\n` : '';
  },
};
