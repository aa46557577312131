/**
 * For tests: what the next step of a workflow sees of a $GITHUB_ENV file. A reader following GitHub's documented rules ("Workflow commands for GitHub Actions",
 * Setting an environment variable: `{name}={value}` on one line, or `{name}<<{delimiter}`, the
 * value's lines, and a line `{delimiter}`; Multiline strings) as the runner applies them
 * (actions/runner FileCommandManager.cs): empty lines are skipped; a line is split at `\n` (on
 * Windows also at `\r\n`); the value of a block is the text between its header line and the
 * delimiter line, without the line end before the delimiter; a missing delimiter is an error.
 * `windows`: read as a Windows runner does.
 */
export function readGithubEnv(text: string, windows: boolean): Record<string, string> {
  const got: Record<string, string> = {};
  let i = 0;
  const readLine = (): { line: string; end: string } | null => {
    if (i >= text.length) return null;
    const lf = text.indexOf('\n', i);
    const start = i;
    if (lf < 0) { i = text.length; return { line: text.slice(start), end: '' }; }
    i = lf + 1;
    if (windows && lf > start && text[lf - 1] === '\r') return { line: text.slice(start, lf - 1), end: '\r\n' };
    return { line: text.slice(start, lf), end: '\n' };
  };
  for (let l = readLine(); l; l = readLine()) {
    if (l.line === '') continue;
    const eq = l.line.indexOf('=');
    const hd = l.line.indexOf('<<');
    if (eq >= 0 && (hd < 0 || eq < hd)) {
      got[l.line.slice(0, eq)] = l.line.slice(eq + 1);
      continue;
    }
    if (hd <= 0 || hd + 2 >= l.line.length) throw new Error(`invalid line ${JSON.stringify(l.line.slice(0, 200))}`);
    const key = l.line.slice(0, hd);
    const delim = l.line.slice(hd + 2);
    const start = i;
    let end = i;
    for (let t = readLine(); ; t = readLine()) {
      if (!t) throw new Error(`matching delimiter not found for ${key}`);
      if (t.line === delim) break;
      if (t.end === '') throw new Error('EOF marker missing new line');
      end = i - t.end.length;
    }
    got[key] = end > start ? text.slice(start, end) : '';
  }
  return got;
}
