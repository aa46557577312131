/**
 * The matrix as text: a terminal table that fits a width (abbreviating the affixes every
 * permission set or role shares, then splitting the columns into several tables), and a GitHub
 * markdown table. Every value from the YAML is data: control characters never reach a terminal,
 * markdown punctuation is escaped.
 */
import type { Matrix, MatrixCell } from './matrix.ts';

/** The terminal width the table is made to fit. */
export const MATRIX_WIDTH = 100;

/** C0/C1 controls (escape sequences) become '?': a YAML value must not drive the terminal. */
function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

/** A column's header: the profile, or what stands for the base configuration. */
function header(name: string): string {
  return name || '(no profile)';
}

/** Maps full names to shorter ones, and the legend line saying so. */
interface Abbreviation {
  map: Map<string, string>;
  legend: string;
}

const SEP = /[-/_.:]/;

/**
 * Drops the affixes that all `names` share (`Terraform...Access` -> `Apply`), cut where a word
 * starts (a capital, or after a separator); null when that leaves a name empty or changes nothing.
 */
function abbreviate(names: string[], what: string): Abbreviation | null {
  const xs = [...new Set(names)].sort();
  if (xs.length < 2) return null;
  const starts = (s: string, i: number) => i === 0 || i >= s.length || SEP.test(s[i - 1]!) || /[A-Z]/.test(s[i]!);
  let pre = xs[0]!;
  for (const x of xs) while (!x.startsWith(pre)) pre = pre.slice(0, -1);
  while (pre && !xs.every((x) => starts(x, pre.length))) pre = pre.slice(0, -1);
  let suf = xs[0]!.slice(pre.length);
  for (const x of xs) while (!x.endsWith(suf)) suf = suf.slice(1);
  while (suf && !xs.every((x) => starts(x, x.length - suf.length))) suf = suf.slice(1);
  if (!pre && !suf) return null;
  const map = new Map<string, string>();
  for (const x of xs) {
    const short = x.slice(pre.length, x.length - suf.length);
    if (!short) return null;
    map.set(x, short);
  }
  const cut = [pre ? `the prefix '${pre}'` : '', suf ? `the suffix '${suf}'` : ''].filter(Boolean).join(' and ');
  return { map, legend: `${what} shown without ${cut}` };
}

/** A cell's text: name (access), or the kind; `notes` numbers the errors. */
function cellText(c: MatrixCell | null, notes: string[], where: string, abbr?: { ps: Abbreviation | null; role: Abbreviation | null }): string {
  if (!c) return '-';
  if (c.error) {
    notes.push(`${where}: ${c.error}`);
    return `error [${notes.length}]`;
  }
  if (c.unsupported) return `${c.unsupported} (Atmos only)`;
  const full = c.permissionSet ?? c.role;
  if (full === undefined) return c.kind;
  const short = (c.permissionSet !== undefined ? abbr?.ps : abbr?.role)?.map.get(full);
  const name = short ?? full;
  if (!c.access || (short !== undefined && short.toLowerCase() === c.access)) return name;
  return `${name} (${c.access})`;
}

/** The grid: header row first, then one row per matrix row; plus footnotes. */
function grid(m: Matrix, abbr?: { ps: Abbreviation | null; role: Abbreviation | null }): { rows: string[][]; notes: string[] } {
  const notes: string[] = [];
  const head = ['identity', ...m.profiles.map((p) => {
    if (!p.error) return header(p.name);
    notes.push(`profile ${header(p.name)}: ${p.error}`);
    return `${header(p.name)} [${notes.length}]`;
  })];
  const rows = m.rows.map((r) => [r.group, ...m.profiles.map((p) => (p.error ? '?' : cellText(r.cells[p.name] ?? null, notes, `profile ${header(p.name)}, ${r.group}`, abbr)))]);
  return { rows: [head, ...rows].map((r) => r.map(printable)), notes: notes.map(printable) };
}

function fit(s: string, w: number): string {
  return s.length > w ? `${s.slice(0, Math.max(0, w - 1))}…` : s;
}

/** `s` in lines of at most `width`, broken at spaces (a longer word is cut), continued indented. */
function wrap(s: string, width: number): string[] {
  const out: string[] = [];
  let rest = s;
  while (rest.length > width) {
    let at = rest.lastIndexOf(' ', width);
    if (at <= 4) at = width;
    out.push(rest.slice(0, at).trimEnd());
    rest = `    ${rest.slice(at).trimStart()}`;
  }
  out.push(rest);
  return out;
}

/**
 * A row name within `w`: a brace list loses members from its middle first
 * (`core-{demo,dev,…,uat}/terraform`: the shape stays readable), anything else is cut at the end.
 */
function fitLabel(s: string, w: number): string {
  const m = /^([^{]*)\{([^}]*)\}(.*)$/.exec(s);
  if (s.length <= w || !m) return fit(s, w);
  const [, pre, list, post] = m as unknown as [string, string, string, string];
  const items = list.split(',');
  while (items.length > 2) {
    items.splice(Math.floor((items.length - 1) / 2), 1);
    const t = `${pre}{${items.slice(0, Math.ceil(items.length / 2)).join(',')},…,${items.slice(Math.ceil(items.length / 2)).join(',')}}${post}`;
    if (t.length <= w) return t;
  }
  return fit(s, w);
}

/** Lays out columns `cols` of `rows` (column 0, the identity, always first). */
function table(rows: string[][], cols: number[], widths: number[]): string {
  const cell = (r: string[], c: number) => (c === 0 ? fitLabel(r[c]!, widths[c]!) : fit(r[c]!, widths[c]!));
  const line = (r: string[]) => [0, ...cols].map((c, i, all) => (i === all.length - 1 ? cell(r, c) : cell(r, c).padEnd(widths[c]!))).join('  ');
  const rule = [0, ...cols].map((c) => '-'.repeat(widths[c]!)).join('  ');
  return [line(rows[0]!), rule, ...rows.slice(1).map(line)].join('\n') + '\n';
}

/** The terminal table within `width` columns. */
export function renderText(m: Matrix, width: number = MATRIX_WIDTH): string {
  const measure = (rows: string[][]) => rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const total = (ws: number[]) => ws.reduce((a, b) => a + b, 0) + 2 * (ws.length - 1);
  let g = grid(m);
  let legend: string[] = [];
  if (total(measure(g.rows)) > width) {
    const cells = m.rows.flatMap((r) => Object.values(r.cells)).filter((c): c is MatrixCell => !!c && !c.error && !c.unsupported);
    const abbr = {
      ps: abbreviate(cells.flatMap((c) => (c.permissionSet !== undefined ? [c.permissionSet] : [])), 'permission sets'),
      role: abbreviate(cells.flatMap((c) => (c.role !== undefined ? [c.role] : [])), 'roles'),
    };
    g = grid(m, abbr);
    legend = [abbr.ps?.legend, abbr.role?.legend].filter((l): l is string => !!l).map(printable);
  }
  const widths = measure(g.rows);
  // The identity column gets at most 40% of the width (long brace lists shrink: fitLabel); a
  // value column at most what is left.
  const cap = Math.floor(width * 0.4);
  widths[0] = Math.max(...g.rows.map((r) => fitLabel(r[0]!, cap).length));
  const room = width - widths[0]! - 2;
  for (let c = 1; c < widths.length; c++) widths[c] = Math.min(widths[c]!, room);
  const chunks: number[][] = [];
  let cur: number[] = [];
  let used = widths[0]!;
  for (let c = 1; c < widths.length; c++) {
    if (cur.length && used + 2 + widths[c]! > width) {
      chunks.push(cur);
      cur = [];
      used = widths[0]!;
    }
    cur.push(c);
    used += 2 + widths[c]!;
  }
  if (cur.length) chunks.push(cur);
  const tables = chunks.map((cols) => table(g.rows, cols, widths)).join('\n');
  const foot = [...legend, ...g.notes.map((n, i) => `[${i + 1}] ${n}`)];
  return tables + (foot.length ? `\n${foot.flatMap((l) => wrap(l, width)).join('\n')}\n` : '');
}

/** Markdown punctuation escaped (CommonMark allows a backslash before any ASCII punctuation). */
function md(s: string): string {
  return printable(s).replace(/[\\`*_[\]<>|&~!#]/g, (ch) => `\\${ch}`);
}

/** A GitHub table (full names, no abbreviation), the footnotes after it. */
export function renderMarkdown(m: Matrix): string {
  const g = grid(m);
  const [head, ...rows] = g.rows;
  const line = (r: string[]) => `| ${r.map(md).join(' | ')} |`;
  const out = [line(head!), `|${head!.map(() => '---').join('|')}|`, ...rows.map(line)];
  if (g.notes.length) out.push('', ...g.notes.map((n, i) => `${i + 1}. ${md(n)}`));
  return out.join('\n') + '\n';
}
