/**
 * The subset of Go text/template (plus the Sprig helpers Atmos registers) that Atmos repositories
 * use in `stacks.name_template`. Parsed once into a tree, evaluated many times.
 *
 * Semantics follow Go's text/template: trim markers `{{-`/`-}}` (with their space), comments,
 * field chains on maps, `$` and variables (`:=`, `=`), `if`/`else if`/`else`/`with`/`else with`,
 * pipelines, Go truthiness, short-circuit `and`/`or` returning an operand, Go's `eq` (several
 * right-hand operands), the `<no value>` of a nil value. Anything else (`range`, `template`,
 * `define`, `block`, unknown functions) is a ConfigError naming the construct and its column.
 *
 * Missing map keys: Atmos executes `name_template` with `missingkey=error` (cloudposse/atmos
 * internal/exec/template_utils.go ProcessTmpl: "missingkey=error" unless
 * templates.settings.ignore_missing_template_values; internal/exec/describe_stacks_component_processor.go
 * resolveStackName passes false outright). So `{{ .vars.tenant }}` with no `tenant` is an error,
 * even inside `if`; Go's idioms for optional keys (`index .vars "tenant"`, `hasKey`) work. The
 * `missingKey: 'default'` option gives Go's default instead (`<no value>`).
 *
 * Known differences from Go: numbers are JavaScript numbers (YAML `1` and `1.0` compare equal,
 * where Go would refuse to compare int with float64); %v of a large non-integer float prints in
 * JavaScript's notation.
 */
import { ConfigError, type SourcePos } from '../errors.ts';
import { tick } from './deadline.ts';

/** Options of compileTemplate. */
export interface TemplateOptions {
  /** 'error' (Atmos's name_template, the default): a missing map key is an error. 'default': Go's `<no value>`. */
  missingKey?: 'error' | 'default';
}

/** A parsed template: call it with the data (`.` and `$`) to render. Throws ConfigError. */
export type CompiledTemplate = (data: unknown) => string;

// ---------------------------------------------------------------------------------------------
// Lexer

type TokType =
  | 'text' | 'open' | 'close' | 'field' | 'var' | 'ident' | 'keyword' | 'string' | 'number' | 'bool'
  | 'nil' | 'dot' | 'lparen' | 'rparen' | 'pipe' | 'declare' | 'assign' | 'comma' | 'eof';

interface Token {
  type: TokType;
  /** Text value: field/var/ident names, decoded string literals, raw text. */
  value: string;
  num?: number;
  /** Offset in the template source. */
  pos: number;
  end: number;
  /** Whitespace between this token and the previous one inside an action. */
  space: boolean;
}

const KEYWORDS = new Set(['if', 'else', 'end', 'with', 'range', 'template', 'define', 'block', 'break', 'continue']);
const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isAlnum = (c: string | undefined): boolean => c !== undefined && /[\p{L}\p{Nd}_]/u.test(c);
const NUMBER_RE = /[+-]?(?:0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d+)?)/y;

class TemplateSyntax {
  readonly src: string;
  readonly where: SourcePos | undefined;
  constructor(src: string, where: SourcePos | undefined) {
    this.src = src;
    this.where = where;
  }
  /** "column 7" (or "line 2, column 3" for a multi-line template) of an offset. */
  at(pos: number): string {
    const before = this.src.slice(0, pos);
    const line = before.split('\n').length;
    const col = pos - (before.lastIndexOf('\n') + 1) + 1;
    return this.src.includes('\n') ? `line ${line}, column ${col}` : `column ${col}`;
  }
  error(pos: number, message: string, hint?: string): ConfigError {
    return new ConfigError(`template ${this.at(pos)}: ${message}`, this.where, hint ? { hint } : undefined);
  }
}

/** The hint of every "not supported" error: what is. */
function supportedHint(): string {
  return (
    'Supported: text, {{ .field.path }}, $ and $variables (:= and =), if / else if / else / end, ' +
    `with / else with / else / end, pipelines, parentheses, comments, and the functions ${[...FUNCS.keys()].join(', ')}.`
  );
}

function lex(t: TemplateSyntax): Token[] {
  const src = t.src;
  const toks: Token[] = [];
  let i = 0;
  let trimNextText = false;
  const pushText = (from: number, to: number, trimRight: boolean): void => {
    let s = src.slice(from, to);
    let start = from;
    if (trimNextText) {
      const before = s.length;
      s = s.replace(/^[ \t\r\n]+/, '');
      start += before - s.length;
    }
    if (trimRight) s = s.replace(/[ \t\r\n]+$/, '');
    if (s) toks.push({ type: 'text', value: s, pos: start, end: to, space: false });
  };
  while (i <= src.length) {
    const open = src.indexOf('{{', i);
    if (open < 0) {
      pushText(i, src.length, false);
      break;
    }
    const leftTrim = src[open + 2] === '-' && isSpace(src[open + 3]);
    pushText(i, open, leftTrim);
    trimNextText = false;
    let p = open + (leftTrim ? 4 : 2);
    // Comment: `{{/* ... */}}`, possibly with trim markers, nothing else in the action.
    if (src.startsWith('/*', p)) {
      const endC = src.indexOf('*/', p + 2);
      if (endC < 0) throw t.error(open, 'unclosed comment');
      p = endC + 2;
      if (src.startsWith(' -}}', p)) {
        trimNextText = true;
        i = p + 4;
      } else if (src.startsWith('}}', p)) {
        i = p + 2;
      } else throw t.error(open, 'comment ends before closing delimiter');
      continue;
    }
    toks.push({ type: 'open', value: '{{', pos: open, end: p, space: false });
    let space = false;
    let closed = false;
    while (p < src.length) {
      const c = src[p]!;
      if (isSpace(c)) {
        if (src.startsWith('-}}', p + 1)) {
          toks.push({ type: 'close', value: '}}', pos: p, end: p + 4, space });
          trimNextText = true;
          p += 4;
          closed = true;
          break;
        }
        space = true;
        p++;
        continue;
      }
      if (src.startsWith('}}', p)) {
        toks.push({ type: 'close', value: '}}', pos: p, end: p + 2, space });
        p += 2;
        closed = true;
        break;
      }
      const start = p;
      const push = (type: TokType, value: string, end: number, num?: number): void => {
        const tok: Token = { type, value, pos: start, end, space };
        if (num !== undefined) tok.num = num;
        toks.push(tok);
        p = end;
        space = false;
      };
      if (c === '"') {
        let q = p + 1;
        while (q < src.length && src[q] !== '"') {
          if (src[q] === '\\') q++;
          if (src[q] === '\n') throw t.error(start, 'unterminated quoted string');
          q++;
        }
        if (q >= src.length) throw t.error(start, 'unterminated quoted string');
        push('string', unquoteGo(t, src.slice(p, q + 1), start), q + 1);
      } else if (c === '`') {
        const q = src.indexOf('`', p + 1);
        if (q < 0) throw t.error(start, 'unterminated raw quoted string');
        push('string', src.slice(p + 1, q), q + 1);
      } else if (c === "'") {
        const m = /^'(\\.[^']*|[^\\'])'/u.exec(src.slice(p));
        if (!m) throw t.error(start, 'unterminated character constant');
        const ch = m[1]!.startsWith('\\') ? unquoteGo(t, `"${m[1]}"`, start) : m[1]!;
        push('number', m[0], p + m[0].length, ch.codePointAt(0) ?? 0);
      } else if (c === '$') {
        let q = p + 1;
        while (isAlnum(src[q])) q++;
        push('var', src.slice(p, q), q);
      } else if (c === '.' && !/\d/.test(src[p + 1] ?? '')) {
        if (isAlnum(src[p + 1])) {
          let q = p + 1;
          while (isAlnum(src[q])) q++;
          push('field', src.slice(p + 1, q), q);
        } else push('dot', '.', p + 1);
      } else if (/[\d.+-]/.test(c)) {
        NUMBER_RE.lastIndex = p;
        const m = NUMBER_RE.exec(src);
        if (!m || m[0] === '' || isAlnum(src[p + m[0].length]) || src[p + m[0].length] === '.') {
          throw t.error(start, `bad number syntax: ${JSON.stringify(src.slice(p, p + (m?.[0].length ?? 0) + 1))}`);
        }
        push('number', m[0], p + m[0].length, parseGoNumber(m[0]));
      } else if (isAlnum(c)) {
        let q = p;
        while (isAlnum(src[q])) q++;
        const word = src.slice(p, q);
        if (word === 'true' || word === 'false') push('bool', word, q);
        else if (word === 'nil') push('nil', word, q);
        else if (KEYWORDS.has(word)) push('keyword', word, q);
        else push('ident', word, q);
      } else if (c === '(') push('lparen', c, p + 1);
      else if (c === ')') push('rparen', c, p + 1);
      else if (c === '|') push('pipe', c, p + 1);
      else if (c === ',') push('comma', c, p + 1);
      else if (c === ':' && src[p + 1] === '=') push('declare', ':=', p + 2);
      else if (c === '=') push('assign', '=', p + 1);
      else throw t.error(start, `unexpected ${JSON.stringify(c)} in action`);
    }
    if (!closed) throw t.error(open, 'unclosed action: no closing "}}"');
    i = p;
    if (i >= src.length) break;
  }
  toks.push({ type: 'eof', value: '', pos: src.length, end: src.length, space: false });
  return toks;
}

function parseGoNumber(s: string): number {
  const clean = s.replace(/_/g, '');
  const neg = clean.startsWith('-');
  const body = clean.replace(/^[+-]/, '');
  let n: number;
  if (/^0[xX]/.test(body)) n = parseInt(body.slice(2), 16);
  else if (/^0[bB]/.test(body)) n = parseInt(body.slice(2), 2);
  else if (/^0[oO]/.test(body)) n = parseInt(body.slice(2), 8);
  else n = Number(body);
  return neg ? -n : n;
}

/** Decodes a Go interpreted string literal (with its quotes). */
function unquoteGo(t: TemplateSyntax, lit: string, pos: number): string {
  const body = lit.slice(1, -1);
  return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|.)/g, (_m, e: string) => {
    switch (e[0]) {
      case 'n': return '\n';
      case 't': return '\t';
      case 'r': return '\r';
      case 'a': return '\x07';
      case 'b': return '\b';
      case 'f': return '\f';
      case 'v': return '\v';
      case '\\': return '\\';
      case '"': return '"';
      case "'": return "'";
      case 'x': case 'u': case 'U': return String.fromCodePoint(parseInt(e.slice(1), 16));
      default:
        if (/^[0-7]{3}$/.test(e)) return String.fromCodePoint(parseInt(e, 8));
        throw t.error(pos, `invalid escape \\${e} in string`);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Tree

type Operand =
  | { kind: 'field'; path: string[]; pos: number; text: string }
  | { kind: 'var'; name: string; path: string[]; pos: number; text: string }
  | { kind: 'dot'; pos: number; text: string }
  | { kind: 'literal'; value: string | number | boolean; pos: number; text: string }
  | { kind: 'nil'; pos: number; text: string }
  | { kind: 'func'; name: string; pos: number; text: string }
  | { kind: 'chain'; node: Operand; path: string[]; pos: number; text: string }
  | { kind: 'pipe'; pipe: Pipeline; pos: number; text: string };

interface Command { args: Operand[]; pos: number; text: string }
interface Pipeline { decl: string[]; assign: boolean; cmds: Command[]; pos: number; text: string }

type TNode =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pipe: Pipeline }
  | { kind: 'if' | 'with'; pipe: Pipeline; list: TNode[]; elseList: TNode[] | null; pos: number };

class Parser {
  private toks: Token[];
  private i = 0;
  private vars: string[] = ['$'];
  private t: TemplateSyntax;
  constructor(t: TemplateSyntax, toks: Token[]) {
    this.t = t;
    this.toks = toks;
  }
  private peek(k = 0): Token {
    return this.toks[Math.min(this.i + k, this.toks.length - 1)]!;
  }
  private next(): Token {
    const tok = this.peek();
    if (this.i < this.toks.length - 1) this.i++;
    return tok;
  }
  private err(pos: number, msg: string, hint?: string): ConfigError {
    return this.t.error(pos, msg, hint);
  }

  parseTemplate(): TNode[] {
    const { list, stop } = this.itemList();
    if (stop) throw this.err(stop.pos, `unexpected {{${stop.value}}}`, `there is no open {{if}} or {{with}} for it to close`);
    return list;
  }

  /** Items until EOF or an `{{else ...` / `{{end}}`, which is returned (its `{{` consumed). */
  private itemList(): { list: TNode[]; stop: Token | null } {
    const list: TNode[] = [];
    for (;;) {
      const tok = this.next();
      if (tok.type === 'eof') return { list, stop: null };
      if (tok.type === 'text') {
        list.push({ kind: 'text', text: tok.value });
        continue;
      }
      // tok is 'open'
      const kw = this.peek();
      if (kw.type === 'keyword') {
        this.next();
        switch (kw.value) {
          case 'if':
          case 'with':
            list.push(this.control(kw.value, tok.pos));
            continue;
          case 'else':
          case 'end':
            return { list, stop: { ...kw, pos: tok.pos } };
          default:
            throw this.err(kw.pos, `{{${kw.value}}} is not supported`, supportedHint());
        }
      }
      const pipe = this.pipeline('command', tok.pos);
      list.push({ kind: 'action', pipe });
    }
  }

  /** `if`/`with` after its keyword; handles else-if/else-with chains as nested controls. */
  private control(kind: 'if' | 'with', openPos: number): TNode {
    const mark = this.vars.length;
    const pipe = this.pipeline(kind, openPos);
    const { list, stop } = this.itemList();
    if (!stop) throw this.err(openPos, `unexpected end of template: missing {{end}} for the {{${kind}}} at ${this.t.at(openPos)}`);
    let elseList: TNode[] | null = null;
    if (stop.value === 'end') {
      this.expectClose('end');
    } else {
      // else
      const nxt = this.peek();
      if (nxt.type === 'keyword' && (nxt.value === 'if' || nxt.value === 'with')) {
        if (nxt.value !== kind) throw this.err(nxt.pos, `{{else ${nxt.value}}} inside {{${kind}}}: use {{else ${kind}}} or {{else}}{{${nxt.value}}}...{{end}}`);
        this.next();
        // The nested control consumes the single {{end}} that closes the whole chain.
        elseList = [this.control(kind, stop.pos)];
      } else {
        this.expectClose('else');
        const rest = this.itemList();
        if (!rest.stop) throw this.err(openPos, `unexpected end of template: missing {{end}} for the {{${kind}}} at ${this.t.at(openPos)}`);
        if (rest.stop.value !== 'end') throw this.err(rest.stop.pos, `expected {{end}}, found a second {{else}} for the {{${kind}}} at ${this.t.at(openPos)}`);
        this.expectClose('end');
        elseList = rest.list;
      }
    }
    this.vars.length = mark;
    return { kind, pipe, list, elseList, pos: openPos };
  }

  private expectClose(what: string): void {
    const tok = this.next();
    if (tok.type !== 'close') throw this.err(tok.pos, `unexpected ${describe(tok)} in {{${what}}}`);
  }

  /** A pipeline up to the closing `}}` (context 'command' | 'if' | 'with') or `)` (context 'paren'). */
  private pipeline(context: string, startPos: number): Pipeline {
    const first = this.peek();
    const decl: string[] = [];
    let assign = false;
    if (first.type === 'var' && (this.peek(1).type === 'declare' || this.peek(1).type === 'assign')) {
      this.next();
      const op = this.next();
      assign = op.type === 'assign';
      if (assign && !this.vars.includes(first.value)) throw this.err(first.pos, `undefined variable ${JSON.stringify(first.value)}`);
      if (first.value === '$') throw this.err(first.pos, 'cannot assign to $');
      decl.push(first.value);
    } else if (first.type === 'var' && this.peek(1).type === 'comma') {
      throw this.err(first.pos, 'declaring two variables ($a, $b := ...) belongs to {{range}}, which is not supported', supportedHint());
    }
    const cmds: Command[] = [];
    const endType: TokType = context === 'paren' ? 'rparen' : 'close';
    for (;;) {
      const tok = this.peek();
      if (tok.type === endType) {
        this.next();
        break;
      }
      if (tok.type === 'eof' || (tok.type === 'close' && context === 'paren')) {
        if (context === 'paren') throw this.err(startPos, 'unclosed left paren');
        throw this.err(startPos, 'unclosed action');
      }
      if (tok.type === 'close' || tok.type === 'rparen') throw this.err(tok.pos, `unexpected ${describe(tok)}`);
      cmds.push(this.command(endType));
      const after = this.peek();
      if (after.type === 'pipe') {
        this.next();
        if (this.peek().type === endType) throw this.err(after.pos, 'missing command after "|"');
      }
    }
    const endPos = this.toks[this.i - 1]!.pos;
    if (cmds.length === 0) throw this.err(startPos, `missing value for ${context === 'paren' ? 'parenthesized pipeline' : context}`);
    cmds.forEach((cmd, n) => {
      const head = cmd.args[0]!;
      if (n > 0 && (head.kind === 'literal' || head.kind === 'nil' || head.kind === 'dot')) {
        throw this.err(head.pos, `non executable command in pipeline stage ${n + 1}: ${head.text}`);
      }
    });
    if (decl.length && !assign) this.vars.push(decl[0]!);
    return { decl, assign, cmds, pos: startPos, text: this.t.src.slice(cmds[0]!.pos, endPos).trim() };
  }

  private command(endType: TokType): Command {
    const args: Operand[] = [];
    const start = this.peek().pos;
    for (;;) {
      const op = this.operand();
      args.push(op);
      const tok = this.peek();
      if (tok.type === endType || tok.type === 'pipe') break;
      if (tok.type === 'close' || tok.type === 'rparen' || tok.type === 'eof') break;
      if (!tok.space) throw this.err(tok.pos, `unexpected ${describe(tok)} in operand`);
    }
    const end = this.toks[this.i - 1]!.end;
    return { args, pos: start, text: this.t.src.slice(start, end) };
  }

  private operand(): Operand {
    const tok = this.next();
    let node: Operand;
    const text = (): string => this.t.src.slice(tok.pos, this.toks[this.i - 1]!.end);
    switch (tok.type) {
      case 'field': {
        const path = [tok.value];
        while (this.peek().type === 'field' && !this.peek().space) path.push(this.next().value);
        return { kind: 'field', path, pos: tok.pos, text: text() };
      }
      case 'var': {
        if (!this.vars.includes(tok.value)) throw this.err(tok.pos, `undefined variable ${JSON.stringify(tok.value)}`);
        const path: string[] = [];
        while (this.peek().type === 'field' && !this.peek().space) path.push(this.next().value);
        return { kind: 'var', name: tok.value, path, pos: tok.pos, text: text() };
      }
      case 'dot': node = { kind: 'dot', pos: tok.pos, text: '.' }; break;
      case 'string': node = { kind: 'literal', value: tok.value, pos: tok.pos, text: this.t.src.slice(tok.pos, tok.end) }; break;
      case 'number': node = { kind: 'literal', value: tok.num ?? 0, pos: tok.pos, text: tok.value }; break;
      case 'bool': node = { kind: 'literal', value: tok.value === 'true', pos: tok.pos, text: tok.value }; break;
      case 'nil': node = { kind: 'nil', pos: tok.pos, text: 'nil' }; break;
      case 'ident': {
        if (!FUNCS.has(tok.value)) {
          throw this.err(tok.pos, `function ${JSON.stringify(tok.value)} is not supported`, supportedHint());
        }
        node = { kind: 'func', name: tok.value, pos: tok.pos, text: tok.value };
        break;
      }
      case 'lparen': {
        const pipe = this.pipeline('paren', tok.pos);
        node = { kind: 'pipe', pipe, pos: tok.pos, text: text() };
        break;
      }
      case 'keyword':
        if (tok.value === 'range' || tok.value === 'template' || tok.value === 'define' || tok.value === 'block' || tok.value === 'break' || tok.value === 'continue') {
          throw this.err(tok.pos, `{{${tok.value}}} is not supported`, supportedHint());
        }
        throw this.err(tok.pos, `unexpected keyword ${JSON.stringify(tok.value)} in operand`);
      default:
        throw this.err(tok.pos, `unexpected ${describe(tok)} in operand`);
    }
    if (this.peek().type === 'field' && !this.peek().space) {
      if (node.kind !== 'pipe' && node.kind !== 'func') throw this.err(this.peek().pos, `unexpected . after term ${JSON.stringify(node.text)}`);
      const path: string[] = [];
      while (this.peek().type === 'field' && !this.peek().space) path.push(this.next().value);
      return { kind: 'chain', node, path, pos: tok.pos, text: text() };
    }
    return node;
  }
}

function describe(tok: Token): string {
  switch (tok.type) {
    case 'close': return '"}}"';
    case 'rparen': return '")"';
    case 'eof': return 'end of template';
    case 'text': return 'text';
    default: return JSON.stringify(tok.value);
  }
}

// ---------------------------------------------------------------------------------------------
// Values: Go semantics over YAML data (strings, numbers, booleans, null, arrays, plain objects)

/** Go's "missing" argument marker for the piped value of the first command. */
const MISSING = Symbol('missing');
/** Go's invalid reflect.Value: what a missing key yields under missingkey=default. */
const NO_VALUE = undefined;

type Obj = Record<string, unknown>;
const isMap = (v: unknown): v is Obj => {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
};
/** A non-plain object: an unevaluated YAML function (`!exec ...`) or other opaque value. */
const isOpaque = (v: unknown): v is object => v !== null && typeof v === 'object' && !Array.isArray(v) && !isMap(v);
const isNil = (v: unknown): boolean => v === null || v === undefined;

function goType(v: unknown): string {
  if (isNil(v)) return 'nil';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float64';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return '[]interface {}';
  if (isMap(v)) return 'map[string]interface {}';
  return opaqueName(v);
}

function opaqueName(v: unknown): string {
  const j = (v as { toJSON?: () => unknown }).toJSON?.();
  return typeof j === 'string' ? `unevaluated YAML function (${j.length > 60 ? j.slice(0, 57) + '...' : j})` : 'opaque value';
}

/** Go's template truth: non-zero, non-empty, non-nil. */
export function isTrue(v: unknown): boolean {
  if (isNil(v)) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') return v.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  if (isMap(v)) return Object.keys(v).length > 0;
  return true;
}

/** Go float formatting for %v (shortest representation, exponent outside [1e-4, 1e21)). */
function goFloat(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : '-Inf';
  if (Number.isInteger(n)) return Math.abs(n) < 1e21 ? String(n) : BigInt(n).toString();
  const exp = Math.floor(Math.log10(Math.abs(n)));
  if (exp < -4 || exp >= 21) {
    const [m, e] = n.toExponential().split('e') as [string, string];
    const sign = e.startsWith('-') ? '-' : '+';
    const digits = e.replace(/^[+-]/, '');
    return `${m}e${sign}${digits.padStart(2, '0')}`;
  }
  return String(n);
}

/** fmt's %v. */
function fmtV(v: unknown): string {
  tick(); // printing a map that YAML aliases nest is exponential: the resolution deadline sees it
  if (isNil(v)) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return goFloat(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(fmtV).join(' ')}]`;
  if (isMap(v)) return `map[${Object.keys(v).sort().map((k) => `${k}:${fmtV(v[k])}`).join(' ')}]`;
  return String((v as { toJSON?: () => unknown }).toJSON?.() ?? v);
}

/** Go's strconv.Quote, close enough for template output. */
function goQuote(s: string): string {
  return JSON.stringify(s).replace(/\\u007f/g, '\\x7f');
}

/** A small fmt.Sprintf: verbs %v %s %d %q %t %f %x %X %c %%, flags -+0 and space, width, precision. */
export function goSprintf(format: string, args: unknown[]): string {
  let out = '';
  let argi = 0;
  const re = /%([-+ 0#]*)(\d+|\*)?(?:\.(\d+|\*)?)?([a-zA-Z%])?/g;
  let last = 0;
  for (let m = re.exec(format); m; m = re.exec(format)) {
    out += format.slice(last, m.index);
    last = re.lastIndex;
    const [, flags = '', widthS, precS, verb] = m;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (verb === undefined) {
      out += '%!(NOVERB)';
      continue;
    }
    // Go's fmt refuses widths and precisions over 1e6 (fmt/print.go tooLarge): a written one ends
    // the format (parsenum consumes the rest), a `*` one prints %!(BADWIDTH) / %!(BADPREC). Here
    // that also keeps `%999999999d` from building a gigabyte of padding.
    if ((widthS && widthS !== '*' && Number(widthS) > 1e6) || (precS && precS !== '*' && Number(precS) > 1e6)) {
      out += '%!(NOVERB)';
      last = format.length;
      break;
    }
    let width = widthS === '*' ? Number(args[argi++]) : widthS ? Number(widthS) : undefined;
    if (widthS === '*' && !(Math.abs(width!) <= 1e6)) {
      out += '%!(BADWIDTH)';
      width = undefined;
    }
    let prec = precS === '*' ? Number(args[argi++]) : precS !== undefined ? Number(precS) : m[0].includes('.') ? 0 : undefined;
    if (precS === '*' && !(Math.abs(prec!) <= 1e6)) {
      out += '%!(BADPREC)';
      prec = undefined;
    }
    if (argi >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    const a = args[argi++];
    let s: string;
    const bad = (): string => `%!${verb}(${goType(a)}=${fmtV(a)})`;
    switch (verb) {
      case 'v':
        s = fmtV(a);
        break;
      case 's':
        s = typeof a === 'string' ? a : Array.isArray(a) || isMap(a) ? fmtV(a) : bad();
        if (typeof a === 'string' && prec !== undefined) s = s.slice(0, prec);
        break;
      case 'q':
        s = typeof a === 'string' ? goQuote(a) : typeof a === 'number' && Number.isInteger(a) ? `'${String.fromCodePoint(a)}'` : bad();
        break;
      case 'd':
        if (typeof a === 'number' && Number.isInteger(a)) {
          s = String(Math.abs(a));
          if (a < 0) s = '-' + s;
          else if (flags.includes('+')) s = '+' + s;
          else if (flags.includes(' ')) s = ' ' + s;
        } else s = bad();
        break;
      case 'f':
      case 'F':
        s = typeof a === 'number' ? a.toFixed(prec ?? 6) : bad();
        if (typeof a === 'number' && a >= 0 && flags.includes('+')) s = '+' + s;
        break;
      case 'x':
      case 'X':
        if (typeof a === 'number' && Number.isInteger(a)) s = (a < 0 ? '-' : '') + Math.abs(a).toString(16);
        else if (typeof a === 'string') s = Buffer.from(a, 'utf8').toString('hex');
        else s = bad();
        if (verb === 'X') s = s.toUpperCase();
        break;
      case 't':
        s = typeof a === 'boolean' ? String(a) : bad();
        break;
      case 'c':
        s = typeof a === 'number' && Number.isInteger(a) ? String.fromCodePoint(a) : bad();
        break;
      default:
        s = bad();
    }
    if (width !== undefined && s.length < width) {
      if (flags.includes('-')) s = s.padEnd(width);
      else if (flags.includes('0') && /[dfFxX]/.test(verb) && !s.startsWith('%!')) {
        const sign = /^[-+ ]/.test(s) ? s[0]! : '';
        s = sign + s.slice(sign.length).padStart(width - sign.length, '0');
      } else s = s.padStart(width);
    }
    out += s;
  }
  out += format.slice(last);
  if (argi < args.length) {
    out += `%!(EXTRA ${args.slice(argi).map((a) => `${goType(a)}=${fmtV(a)}`).join(', ')})`;
  }
  return out;
}

/** fmt.Sprint: spaces between operands when neither side is a string. */
function goSprint(args: unknown[]): string {
  let out = '';
  args.forEach((a, n) => {
    if (n > 0 && typeof a !== 'string' && typeof args[n - 1] !== 'string') out += ' ';
    out += fmtV(a);
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Functions

/** Thrown by functions; turned into a ConfigError with the position of the call. */
class CallError extends Error {}

type Kind = 'invalid' | 'bool' | 'number' | 'string' | 'other';
function basicKind(v: unknown): Kind {
  if (isNil(v)) return 'invalid';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'string') return 'string';
  return 'other';
}

function goEq(a: unknown, bs: unknown[]): boolean {
  if (bs.length === 0) throw new CallError('missing argument for comparison');
  const ka = basicKind(a);
  for (const b of bs) {
    const kb = basicKind(b);
    let truth: boolean;
    if (ka !== kb) {
      if (ka !== 'invalid' && kb !== 'invalid') throw new CallError(`incompatible types for comparison: ${goType(a)} and ${goType(b)}`);
      truth = false;
    } else if (ka === 'other') {
      throw new CallError(`non-comparable types: ${goType(a)} and ${goType(b)}`);
    } else truth = ka === 'invalid' ? true : a === b;
    if (truth) return true;
  }
  return false;
}

function goLt(a: unknown, b: unknown): boolean {
  const ka = basicKind(a);
  const kb = basicKind(b);
  if (ka === 'bool' || ka === 'other' || ka === 'invalid' || kb === 'bool' || kb === 'other' || kb === 'invalid') {
    throw new CallError(`invalid type for comparison: ${goType(ka === 'number' || ka === 'string' ? b : a)}`);
  }
  if (ka !== kb) throw new CallError(`incompatible types for comparison: ${goType(a)} and ${goType(b)}`);
  return (a as number | string) < (b as number | string);
}

function goLen(v: unknown): number {
  if (typeof v === 'string') return Buffer.byteLength(v, 'utf8');
  if (Array.isArray(v)) return v.length;
  if (isMap(v)) return Object.keys(v).length;
  if (isNil(v)) throw new CallError('len of nil pointer');
  throw new CallError(`len of type ${goType(v)}`);
}

function goIndex(item: unknown, keys: unknown[]): unknown {
  let v = item;
  for (const k of keys) {
    if (isNil(v)) throw new CallError('index of untyped nil');
    if (isMap(v)) {
      if (typeof k !== 'string') throw new CallError(`value has type ${goType(k)}; should be string`);
      v = Object.hasOwn(v, k) ? v[k] : null; // Go: a missing key gives the zero value, no error
    } else if (Array.isArray(v) || typeof v === 'string') {
      if (typeof k !== 'number' || !Number.isInteger(k)) throw new CallError(`cannot index slice/array with type ${goType(k)}`);
      if (k < 0 || k >= v.length) throw new CallError(`index out of range: ${k}`);
      v = typeof v === 'string' ? Buffer.from(v, 'utf8')[k] : v[k];
    } else throw new CallError(`can't index item of type ${goType(v)}`);
  }
  return v;
}

/** Sprig's empty(): nil, "", 0, false, empty list or map. */
function isEmpty(v: unknown): boolean {
  return !isTrue(v) && !isOpaque(v);
}

/** strings.Title: upper-case the first letter of each word. */
function goTitle(s: string): string {
  return s.replace(/(^|[^\p{L}\p{N}_])(\p{L})/gu, (_m, sep: string, ch: string) => sep + ch.toUpperCase());
}

/** Sprig's strval. */
function strval(v: unknown): string {
  return typeof v === 'string' ? v : fmtV(v);
}

interface FuncDef {
  /** Parameter types: 's' string, 'a' any; a trailing '...' means variadic of the last type. */
  params: string;
  /** Lazy functions receive thunks (and/or short-circuit). */
  lazy?: boolean;
  fn: (...args: never[]) => unknown;
}

const FUNC_TABLE: Record<string, FuncDef> = {
  // Go builtins
  and: { params: 'a a...', lazy: true, fn: (...args: Array<() => unknown>) => {
    let v: unknown;
    for (const a of args) {
      v = a();
      if (!isTrue(v)) return v;
    }
    return v;
  } },
  or: { params: 'a a...', lazy: true, fn: (...args: Array<() => unknown>) => {
    let v: unknown;
    for (const a of args) {
      v = a();
      if (isTrue(v)) return v;
    }
    return v;
  } },
  not: { params: 'a', fn: (a: unknown) => !isTrue(a) },
  eq: { params: 'a a...', fn: (a: unknown, ...b: unknown[]) => goEq(a, b) },
  ne: { params: 'a a', fn: (a: unknown, b: unknown) => !goEq(a, [b]) },
  lt: { params: 'a a', fn: (a: unknown, b: unknown) => goLt(a, b) },
  le: { params: 'a a', fn: (a: unknown, b: unknown) => goLt(a, b) || goEq(a, [b]) },
  gt: { params: 'a a', fn: (a: unknown, b: unknown) => !(goLt(a, b) || goEq(a, [b])) },
  ge: { params: 'a a', fn: (a: unknown, b: unknown) => !goLt(a, b) },
  len: { params: 'a', fn: (a: unknown) => goLen(a) },
  index: { params: 'a a...', fn: (item: unknown, ...keys: unknown[]) => goIndex(item, keys) },
  print: { params: 'a...', fn: (...a: unknown[]) => goSprint(a) },
  println: { params: 'a...', fn: (...a: unknown[]) => a.map(fmtV).join(' ') + '\n' },
  printf: { params: 's a...', fn: (f: string, ...a: unknown[]) => goSprintf(f, a) },
  // Sprig (argument order as Sprig defines it: the piped value comes last)
  lower: { params: 's', fn: (s: string) => s.toLowerCase() },
  upper: { params: 's', fn: (s: string) => s.toUpperCase() },
  title: { params: 's', fn: (s: string) => goTitle(s) },
  trim: { params: 's', fn: (s: string) => s.trim() },
  trimPrefix: { params: 's s', fn: (p: string, s: string) => (s.startsWith(p) ? s.slice(p.length) : s) },
  trimSuffix: { params: 's s', fn: (x: string, s: string) => (x && s.endsWith(x) ? s.slice(0, -x.length) : s) },
  replace: { params: 's s s', fn: (o: string, n: string, s: string) => s.split(o).join(n) },
  contains: { params: 's s', fn: (sub: string, s: string) => s.includes(sub) },
  hasPrefix: { params: 's s', fn: (p: string, s: string) => s.startsWith(p) },
  hasSuffix: { params: 's s', fn: (x: string, s: string) => s.endsWith(x) },
  quote: { params: 'a...', fn: (...a: unknown[]) => a.filter((x) => !isNil(x)).map((x) => goQuote(strval(x))).join(' ') },
  join: { params: 's a', fn: (sep: string, list: unknown) => {
    if (!Array.isArray(list)) return strval(list);
    return list.filter((x) => !isNil(x)).map(strval).join(sep);
  } },
  default: { params: 'a a...', fn: (d: unknown, ...given: unknown[]) => (given.length === 0 || isEmpty(given[0]) ? d : given[0]) },
  empty: { params: 'a', fn: (v: unknown) => isEmpty(v) },
  coalesce: { params: 'a...', fn: (...a: unknown[]) => a.find((x) => !isEmpty(x)) ?? null },
  ternary: { params: 'a a a', fn: (t: unknown, f: unknown, c: unknown) => (c === true ? t : f) },
  hasKey: { params: 'a s', fn: (m: unknown, k: string) => {
    if (!isMap(m)) throw new CallError(`wrong type for value; expected map[string]interface {}; got ${goType(m)}`);
    return Object.hasOwn(m, k);
  } },
  required: { params: 's a', fn: (msg: string, v: unknown) => {
    if (isNil(v) || v === '') throw new CallError(msg);
    return v;
  } },
  fail: { params: 's', fn: (msg: string) => {
    throw new CallError(msg);
  } },
};

const FUNCS = new Map(Object.entries(FUNC_TABLE));

// ---------------------------------------------------------------------------------------------
// Evaluation

class Exec {
  private out: string[] = [];
  private vars: Array<{ name: string; value: unknown }>;
  private t: TemplateSyntax;
  private missingKey: 'error' | 'default';
  constructor(t: TemplateSyntax, data: unknown, missingKey: 'error' | 'default') {
    this.t = t;
    this.vars = [{ name: '$', value: data }];
    this.missingKey = missingKey;
  }
  result(): string {
    return this.out.join('');
  }
  private err(pos: number, at: string, msg: string, hintText?: string): ConfigError {
    return this.t.error(pos, `executing at <${at}>: ${msg}`, hintText);
  }

  walk(list: TNode[], dot: unknown): void {
    for (const node of list) {
      tick();
      switch (node.kind) {
        case 'text':
          this.out.push(node.text);
          break;
        case 'action': {
          const v = this.pipeline(dot, node.pipe);
          if (node.pipe.decl.length === 0) this.out.push(this.printable(v, node.pipe));
          break;
        }
        case 'if':
        case 'with': {
          const mark = this.vars.length;
          const v = this.pipeline(dot, node.pipe);
          if (isTrue(v)) this.walk(node.list, node.kind === 'with' ? v : dot);
          else if (node.elseList) this.walk(node.elseList, dot);
          this.vars.length = mark;
          break;
        }
      }
    }
  }

  private printable(v: unknown, pipe: Pipeline): string {
    if (isNil(v)) return '<no value>';
    if (isOpaque(v)) throw this.err(pipe.pos, pipe.text, `the value is an ${opaqueName(v)}; atmos-auth never runs YAML functions`);
    return fmtV(v);
  }

  private pipeline(dot: unknown, pipe: Pipeline): unknown {
    let value: unknown = MISSING;
    for (const cmd of pipe.cmds) value = this.command(dot, cmd, value);
    if (pipe.decl.length) {
      const name = pipe.decl[0]!;
      if (pipe.assign) {
        for (let n = this.vars.length - 1; n >= 0; n--) {
          if (this.vars[n]!.name === name) {
            this.vars[n]!.value = value;
            break;
          }
        }
      } else this.vars.push({ name, value });
    }
    return value;
  }

  private command(dot: unknown, cmd: Command, final: unknown): unknown {
    const [head, ...rest] = cmd.args as [Operand, ...Operand[]];
    const hasArgs = rest.length > 0 || final !== MISSING;
    switch (head.kind) {
      case 'func':
        return this.call(dot, head, rest, final);
      case 'field':
      case 'var':
      case 'chain':
        if (hasArgs) {
          const name = head.kind === 'var' && head.path.length === 0 ? head.name : (head.path.at(-1) ?? head.text);
          throw this.err(head.pos, head.text, `${name} is not a method but has arguments`);
        }
        return this.arg(dot, head);
      case 'nil':
        throw this.err(head.pos, 'nil', 'nil is not a command');
      default:
        if (hasArgs) throw this.err(head.pos, head.text, `can't give argument to non-function ${head.text}`);
        return this.arg(dot, head);
    }
  }

  private arg(dot: unknown, op: Operand): unknown {
    switch (op.kind) {
      case 'field':
        return this.fields(dot, op.path, op);
      case 'var': {
        let v: unknown;
        for (let n = this.vars.length - 1; n >= 0; n--) {
          if (this.vars[n]!.name === op.name) {
            v = this.vars[n]!.value;
            break;
          }
        }
        return this.fields(v, op.path, op);
      }
      case 'dot':
        return dot;
      case 'literal':
        return op.value;
      case 'nil':
        return null;
      case 'func':
        return this.call(dot, op, [], MISSING);
      case 'pipe': {
        const mark = this.vars.length;
        const v = this.pipeline(dot, op.pipe);
        this.vars.length = mark;
        return v;
      }
      case 'chain':
        return this.fields(this.arg(dot, op.node), op.path, op);
    }
  }

  /** Walks `.a.b.c` from `v` with Go's rules for maps and missingkey. */
  private fields(v: unknown, path: string[], op: Operand): unknown {
    let cur = v;
    for (const name of path) {
      if (cur === NO_VALUE) {
        // Only reachable under missingkey=default: Go keeps yielding "no value".
        if (this.missingKey === 'error') throw this.err(op.pos, op.text, `nil data; no entry for key ${JSON.stringify(name)}`);
        return NO_VALUE;
      }
      if (cur === null) throw this.err(op.pos, op.text, `nil pointer evaluating interface {}.${name}`);
      if (isMap(cur)) {
        if (Object.hasOwn(cur, name)) {
          cur = cur[name];
          if (cur === undefined) cur = null;
        } else if (this.missingKey === 'error') {
          throw this.err(op.pos, op.text, `map has no entry for key ${JSON.stringify(name)}`);
        } else return NO_VALUE;
      } else if (isOpaque(cur)) {
        throw this.err(op.pos, op.text, `can't evaluate field ${name} of an ${opaqueName(cur)}; atmos-auth never runs YAML functions`);
      } else {
        throw this.err(op.pos, op.text, `can't evaluate field ${name} in type ${goType(cur)}`);
      }
    }
    return cur;
  }

  private call(dot: unknown, fnNode: Operand & { kind: 'func' }, argNodes: Operand[], final: unknown): unknown {
    const def = FUNCS.get(fnNode.name)!;
    const params = def.params.split(' ').filter(Boolean);
    const variadic = params.at(-1)?.endsWith('...') ?? false;
    const fixed = variadic ? params.length - 1 : params.length;
    const got = argNodes.length + (final === MISSING ? 0 : 1);
    if (variadic ? got < fixed : got !== fixed) {
      throw this.err(fnNode.pos, fnNode.name, `wrong number of args for ${fnNode.name}: want ${variadic ? 'at least ' : ''}${fixed} got ${got}`);
    }
    const typeOf = (n: number): string => (n < fixed ? params[n]! : params.at(-1)!.replace('...', ''));
    const check = (n: number, v: unknown, at: Operand | null): unknown => {
      if (typeOf(n) === 's' && typeof v !== 'string') {
        const where = at ?? fnNode;
        throw this.err(where.pos, where.text, isNil(v)
          ? `invalid value; expected string (argument ${n + 1} of ${fnNode.name})`
          : `wrong type for value; expected string; got ${goType(v)} (argument ${n + 1} of ${fnNode.name})`);
      }
      return v;
    };
    const wrap = (f: () => unknown): unknown => {
      try {
        return f();
      } catch (e) {
        if (e instanceof CallError) throw this.err(fnNode.pos, fnNode.name, `error calling ${fnNode.name}: ${e.message}`);
        throw e;
      }
    };
    if (def.lazy) {
      const thunks: Array<() => unknown> = argNodes.map((a) => () => this.arg(dot, a));
      if (final !== MISSING) thunks.push(() => final);
      return wrap(() => (def.fn as (...a: Array<() => unknown>) => unknown)(...thunks));
    }
    const values = argNodes.map((a, n) => check(n, this.arg(dot, a), a));
    if (final !== MISSING) values.push(check(values.length, final, null));
    return wrap(() => (def.fn as (...a: unknown[]) => unknown)(...values));
  }
}

// ---------------------------------------------------------------------------------------------
// API

/**
 * Parses a Go template once; the returned function renders it for given data (the template's
 * `.` and `$`). Syntax and unsupported constructs throw a ConfigError now (at `where`, message with
 * the template column); execution errors (missing key, `fail`, type errors) throw when rendering.
 */
export function compileTemplate(src: string, where?: SourcePos, options?: TemplateOptions): CompiledTemplate {
  const t = new TemplateSyntax(src, where);
  const tree = new Parser(t, lex(t)).parseTemplate();
  const missingKey = options?.missingKey ?? 'error';
  // A template of plain text needs no execution.
  if (tree.every((n) => n.kind === 'text')) {
    const text = tree.map((n) => (n.kind === 'text' ? n.text : '')).join('');
    return () => text;
  }
  return (data: unknown): string => {
    const exec = new Exec(t, data, missingKey);
    exec.walk(tree, data);
    return exec.result();
  };
}

const cache = new Map<string, CompiledTemplate>();

/**
 * Renders a Go template over `data` as Atmos renders `stacks.name_template` (missing keys are
 * errors). Compiled templates are cached by source, so calling it per stack does not re-parse.
 */
export function renderTemplate(template: string, data: unknown, where?: SourcePos): string {
  let compiled = cache.get(template);
  if (!compiled) {
    compiled = compileTemplate(template, where);
    if (cache.size >= 64) cache.delete(cache.keys().next().value!);
    cache.set(template, compiled);
  }
  try {
    return compiled(data);
  } catch (e) {
    // The cached template may carry another caller's position; report this caller's.
    if (e instanceof ConfigError && where && e.pos !== where) throw new ConfigError(e.message, where, e.hint ? { hint: e.hint } : undefined);
    throw e;
  }
}

/** Names of the template functions supported (Go builtins and Sprig helpers). */
export const supportedFunctions: readonly string[] = [...FUNCS.keys()];
