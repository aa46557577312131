/**
 * YAML as Atmos reads it: plain YAML plus Atmos tags. `!env` and `!repo-root` are evaluated; every
 * other tag (`!exec`, `!terraform.state`, `!store`, `!include`, unknown ones) becomes an opaque
 * YamlTag value: never executed, and an error only if someone needs its value.
 * Positions are kept per map key so errors can say file:line:col.
 */
import { readFileSync } from 'node:fs';
import { Document, LineCounter, Parser, Composer, isAlias, isMap, isScalar, isSeq, isPair, type Node } from 'yaml';
import { ConfigError, type SourcePos } from '../errors.ts';

/** An Atmos YAML function kept as data (never run). */
export class YamlTag {
  readonly tag: string;
  readonly value: unknown;
  readonly pos: SourcePos;
  constructor(tag: string, value: unknown, pos: SourcePos) {
    this.tag = tag;
    this.value = value;
    this.pos = pos;
  }
  toJSON(): string {
    return `${this.tag} ${typeof this.value === 'string' ? this.value : JSON.stringify(this.value)}`;
  }
}

export type YamlMap = Record<string, unknown>;

/** Key positions: object -> key -> where that key was written. */
const keyPositions = new WeakMap<object, Map<string, SourcePos>>();
/** Positions of whole maps/lists (their first character). */
const nodePositions = new WeakMap<object, SourcePos>();

/** Where `key` of `obj` was written, when known (falls back to the object itself). */
export function posOf(obj: unknown, key?: string | number): SourcePos | undefined {
  if (obj === null || typeof obj !== 'object') return undefined;
  if (key !== undefined) {
    const p = keyPositions.get(obj)?.get(String(key));
    if (p) return p;
  }
  return nodePositions.get(obj);
}

/** Context the evaluated tags need. */
export interface TagContext {
  env: NodeJS.ProcessEnv;
  /** Value of `!repo-root`: the git root, else the Atmos config root. */
  repoRoot: () => string | undefined;
}

/** Is `v` a plain YAML mapping (not a list, not a tag)? */
export function isPlainMap(v: unknown): v is YamlMap {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof YamlTag);
}

/** Parses YAML text; `file` is used for positions and messages. Empty documents give {}. */
export function parseYaml(text: string, file: string, ctx: TagContext): unknown {
  const lc = new LineCounter();
  const parser = new Parser(lc.addNewLine);
  const composer = new Composer({ prettyErrors: false, merge: true, uniqueKeys: false });
  const docs: Document.Parsed[] = [];
  for (const d of composer.compose(parser.parse(text), true)) docs.push(d as Document.Parsed);
  const at = (offset: number | undefined): SourcePos => {
    if (offset === undefined) return { file };
    const p = lc.linePos(offset);
    return { file, line: p.line, col: p.col };
  };
  const doc = docs[0];
  if (!doc) return {};
  for (const d of docs) {
    const e = d.errors[0];
    if (e) {
      const msg = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      throw new ConfigError(`invalid YAML: ${msg}`, at(e.pos[0]));
    }
  }
  if (docs.length > 1) throw new ConfigError('several YAML documents in one file; Atmos reads one', at(docs[1]!.range?.[0]));

  const seen = new Set<Node>();
  const convert = (node: unknown): unknown => {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) {
      const target = node.resolve(doc);
      if (!target) throw new ConfigError(`unknown alias *${node.source}`, at(node.range?.[0]));
      if (seen.has(target as Node)) throw new ConfigError(`recursive alias *${node.source}`, at(node.range?.[0]));
      seen.add(target as Node);
      try { return convert(target); } finally { seen.delete(target as Node); }
    }
    const n = node as Node;
    const tag = n.tag;
    const pos = at(n.range?.[0]);
    if (tag && tag.startsWith('!') && !tag.startsWith('!!')) {
      const raw = isScalar(n) ? (n.source ?? String(n.value ?? '')) : convertPlain(n);
      return evalTag(tag, raw, pos, ctx);
    }
    return convertPlain(n);
  };
  const convertPlain = (n: Node): unknown => {
    if (isScalar(n)) {
      const v = n.value;
      return v instanceof Date ? v.toISOString() : v;
    }
    if (isMap(n)) {
      const out: YamlMap = {};
      const keys = new Map<string, SourcePos>();
      for (const pair of n.items) {
        if (!isPair(pair)) continue;
        const kNode = pair.key as Node | null;
        const merge = isScalar(kNode) && (typeof kNode.value === 'symbol' || kNode.value === '<<');
        const key = isScalar(kNode) ? String(kNode.value) : String(convert(kNode));
        if (merge) {
          const src = convert(pair.value);
          for (const s of Array.isArray(src) ? src : [src]) {
            if (isPlainMap(s)) for (const [k, v] of Object.entries(s)) if (!(k in out)) out[k] = v;
          }
          continue;
        }
        out[key] = convert(pair.value);
        keys.set(key, at((kNode as Node | null)?.range?.[0]));
      }
      keyPositions.set(out, keys);
      nodePositions.set(out, at(n.range?.[0]));
      return out;
    }
    if (isSeq(n)) {
      const out = n.items.map(convert);
      const keys = new Map<string, SourcePos>();
      n.items.forEach((it, i) => keys.set(String(i), at((it as Node | null)?.range?.[0])));
      keyPositions.set(out, keys);
      nodePositions.set(out, at(n.range?.[0]));
      return out;
    }
    return null;
  };
  const value = convert(doc.contents);
  return value ?? {};
}

function evalTag(tag: string, raw: unknown, pos: SourcePos, ctx: TagContext): unknown {
  if (tag === '!env' && typeof raw === 'string') {
    // `!env VAR` or `!env VAR default`; an unset variable without default is empty, as in Atmos.
    const parts = raw.trim().split(/\s+/);
    const name = parts[0] ?? '';
    const fallback = parts.length > 1 ? parts.slice(1).join(' ').replace(/^(['"])(.*)\1$/, '$2') : undefined;
    const v = ctx.env[name];
    return v !== undefined && v !== '' ? v : (fallback ?? '');
  }
  if (tag === '!repo-root') {
    const root = ctx.repoRoot();
    if (root !== undefined) return root;
    return typeof raw === 'string' && raw.trim() ? raw.trim() : null;
  }
  return new YamlTag(tag, raw, pos);
}

/** Reads and parses a YAML file (a missing or unreadable file is a ConfigError). */
export function readYamlFile(file: string, ctx: TagContext, text?: string): unknown {
  let src = text;
  if (src === undefined) {
    try {
      src = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(`cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { file }, { cause: err });
    }
  }
  return parseYaml(src, file, ctx);
}
