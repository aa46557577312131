/**
 * YAML as Atmos reads it: plain YAML plus Atmos tags. `!env` and `!repo-root` are evaluated; every
 * other tag (`!exec`, `!terraform.state`, `!store`, `!include`, unknown ones) becomes an opaque
 * YamlTag value: never executed, and an error only if someone needs its value.
 *
 * Parsing is two steps, so a parsed file can be cached across runs (parse-cache.ts) while `!env`
 * still sees this run's environment:
 *   parseRaw   text -> raw tree: plain JSON data, each tag a TagMarker. js-yaml (fast); when it
 *              refuses (an unknown tag, a syntax error) the `yaml` package decides, as before.
 *   evaluate   raw tree -> value: markers become strings (`!env`, `!repo-root`) or YamlTags.
 * Positions (file:line:col) are only needed for error messages, so none are computed up front:
 * posOf() returns a position whose line and col are looked up on first access, by re-parsing that
 * one file with the `yaml` package (loaded only then) and following the same key path.
 */
import { createRequire } from 'node:module';
import { CORE_SCHEMA, defineMappingTag, defineScalarTag, defineSequenceTag, loadAll, mergeTag, type TagDefinition } from 'js-yaml';
import { ConfigError, type SourcePos } from '../errors.ts';
import { debug } from '../log.ts';
import { tick } from './deadline.ts';
import { readRepoFile } from './repo-files.ts';

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

/** Keys of a TagMarker: NUL-prefixed, which no real Atmos key is. */
export const TAG_KEY = '\u0000tag';
export const VALUE_KEY = '\u0000value';

/** A tag in a raw tree (JSON-safe): `{"\0tag": "!env", "\0value": "HOME"}`. */
export interface TagMarker {
  [TAG_KEY]: string;
  [VALUE_KEY]: unknown;
}

function marker(tag: string, value: unknown): TagMarker {
  return { [TAG_KEY]: tag, [VALUE_KEY]: value };
}

function isMarker(v: object): v is TagMarker {
  return typeof (v as Record<string, unknown>)[TAG_KEY] === 'string';
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

// ---------------------------------------------------------------------------------------------
// Fast path: js-yaml with the YAML 1.2 core schema (as go-yaml v3: `yes`/`no` and dates stay
// strings), merge keys, and the Atmos tags in all three node kinds.

/** Atmos YAML functions (https://atmos.tools/functions/yaml/); `!aws.*` matched by prefix. */
const ATMOS_TAGS = [
  '!env', '!repo-root', '!exec', '!terraform.state', '!terraform.output', '!store', '!store.get',
  '!include', '!include.raw', '!template', '!literal', '!random', '!cwd', '!unset', '!append',
];

function atmosTagDefinitions(tag: string, prefix: boolean): TagDefinition[] {
  const opts = { matchByTagPrefix: prefix, identify: () => false };
  return [
    defineScalarTag<TagMarker>(tag, { ...opts, resolve: (source, _explicit, name) => marker(name, source) }),
    defineSequenceTag<{ tag: string; items: unknown[] }, TagMarker>(tag, {
      ...opts,
      create: (name) => ({ tag: name, items: [] }),
      addItem: (c, item) => { c.items.push(item); },
      finalize: (c) => marker(c.tag, c.items),
    }),
    defineMappingTag<{ tag: string; map: YamlMap }, TagMarker>(tag, {
      ...opts,
      create: (name) => ({ tag: name, map: {} }),
      addPair: (c, key, value) => {
        // As the `yaml` path does: keys are strings; own property even for `__proto__`.
        Object.defineProperty(c.map, String(key), { value, enumerable: true, writable: true, configurable: true });
        return '';
      },
      has: (c, key) => Object.hasOwn(c.map, String(key)),
      keys: (m) => Object.keys(m[VALUE_KEY] as YamlMap),
      get: (m, key) => (m[VALUE_KEY] as YamlMap)[String(key)],
      finalize: (c) => marker(c.tag, c.map),
    }),
  ];
}

let fastSchema: ReturnType<typeof CORE_SCHEMA.withTags> | undefined;
function schema() {
  fastSchema ??= CORE_SCHEMA.withTags(
    mergeTag,
    ...ATMOS_TAGS.flatMap((t) => atmosTagDefinitions(t, false)),
    ...atmosTagDefinitions('!aws.', true),
  );
  return fastSchema;
}

/**
 * Parses YAML text into a raw tree (JSON data, tags as TagMarkers). Empty documents give {}.
 * Throws ConfigError (file:line:col) on invalid YAML.
 */
export function parseRaw(text: string, file: string): unknown {
  let docs: unknown[];
  try {
    // json: duplicate keys: the last wins, as in the `yaml` path (uniqueKeys: false).
    docs = loadAll(text, { schema: schema(), json: true, filename: file, maxTotalMergeKeys: -1 });
  } catch (err) {
    debug(`yaml: ${file}: js-yaml refused it (${String((err as Error).message).split('\n')[0]}); reading it with the yaml package`);
    return parseSlow(text, file).tree;
  }
  if (docs.length > 1) return parseSlow(text, file).tree; // its error names the second document
  return docs[0] ?? {};
}

// ---------------------------------------------------------------------------------------------
// Evaluation and lazy positions.

/** Where a parsed file came from: enough to parse it again for positions. */
interface Source {
  file: string;
  /** The text parsed, when it was not the file's content (rendered templates) or is at hand. */
  text?: string | undefined;
  /** The `yaml`-package parse, made on the first position asked. null: failed. */
  slow?: SlowTree | null;
}

/** Where a map or list of an evaluated tree sits: its parent and key (null at the root). */
interface Origin {
  src: Source;
  parent: object | null;
  key: string;
}

const origins = new WeakMap<object, Origin>();

/**
 * Turns a raw tree into the value Atmos sees: `!env`/`!repo-root` evaluated with `ctx`, other
 * tags YamlTags. Works in place (the raw tree is consumed). `text`: what was parsed, when at hand.
 */
export function evaluate(raw: unknown, file: string, ctx: TagContext, text?: string): unknown {
  const src: Source = { file, text };
  const done = new Map<object, unknown>();
  const walk = (v: unknown, parent: object | null, key: string): unknown => {
    if (v === null || typeof v !== 'object') return v;
    tick();
    if (isMarker(v)) {
      if (done.has(v)) return done.get(v); // aliases share objects
      // The marker stays in the chain of parents so the slow tree (which has markers too) matches.
      origins.set(v, { src, parent, key });
      done.set(v, undefined); // a recursive alias through a tag ends here
      const inner = walk(v[VALUE_KEY], v, VALUE_KEY);
      const out = evalTag(v[TAG_KEY], inner, lazyPos(src, () => locate(v, undefined)), ctx);
      done.set(v, out);
      return out;
    }
    // Raw trees are fresh objects, so a known one was met earlier in this walk (an alias).
    if (origins.has(v)) return v;
    origins.set(v, { src, parent, key });
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const x = v[i] as unknown;
        const y = walk(x, v, String(i));
        if (y !== x) v[i] = y;
      }
    } else {
      const m = v as YamlMap;
      for (const k of Object.keys(m)) {
        const x = m[k];
        const y = walk(x, m, k);
        if (y !== x) m[k] = y;
      }
    }
    return v;
  };
  const out = walk(raw, null, '');
  return out === null || out === undefined ? {} : out;
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

/** A position whose line and col are computed on first access (a re-parse of one file). */
function lazyPos(src: Source, find: () => SourcePos | undefined): SourcePos {
  let found: SourcePos | undefined;
  const get = (): SourcePos => (found ??= find() ?? { file: src.file });
  return {
    file: src.file,
    get line() { return get().line; },
    get col() { return get().col; },
  } as SourcePos;
}

/** Where `key` of `obj` was written, when known (falls back to the object itself). */
export function posOf(obj: unknown, key?: string | number): SourcePos | undefined {
  if (obj === null || typeof obj !== 'object') return undefined;
  const slowKeys = keyPositions.get(obj);
  if (slowKeys || nodePositions.has(obj)) {
    // A tree straight from the `yaml` package (positions known).
    return (key !== undefined ? slowKeys?.get(String(key)) : undefined) ?? nodePositions.get(obj);
  }
  const o = origins.get(obj);
  if (!o) return undefined;
  return lazyPos(o.src, () => locate(obj, key === undefined ? undefined : String(key)));
}

/** Finds obj[key] (or obj) in the `yaml`-package parse of its file. */
function locate(obj: object, key: string | undefined): SourcePos | undefined {
  const o = origins.get(obj);
  if (!o) return undefined;
  const path: string[] = [];
  let src = o.src;
  for (let cur: object | null = obj; cur;) {
    const c = origins.get(cur);
    if (!c) break;
    src = c.src;
    if (c.parent) path.unshift(c.key);
    cur = c.parent;
  }
  if (src.slow === undefined) {
    try {
      // Read again as every repository file is (it may have been replaced by a FIFO since).
      const text = src.text ?? readRepoFile(src.file);
      src.slow = parseSlow(text, src.file);
    } catch {
      src.slow = null;
    }
  }
  if (!src.slow) return undefined;
  let node: unknown = src.slow.tree;
  for (const k of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[k];
  }
  if (node === null || typeof node !== 'object') return undefined;
  return (key !== undefined ? keyPositions.get(node)?.get(key) : undefined) ?? nodePositions.get(node);
}

// ---------------------------------------------------------------------------------------------
// Slow path: the `yaml` package, with positions. Used for files js-yaml refuses, for error
// messages, and to place positions. Loaded synchronously on first use (the engine is
// synchronous); in the bundle esbuild inlines it as a lazily initialised module.

/** Key positions: object -> key -> where that key was written (slow trees only). */
const keyPositions = new WeakMap<object, Map<string, SourcePos>>();
/** Positions of whole maps/lists/tags (their first character; slow trees only). */
const nodePositions = new WeakMap<object, SourcePos>();

interface SlowTree {
  tree: unknown;
}

type YamlModule = typeof import('yaml');
let yamlModule: YamlModule | undefined;
function yamlPackage(): YamlModule {
  // `require` exists in the bundle (banner); from source, make one.
  yamlModule ??= (typeof require === 'function' ? require('yaml') : createRequire(import.meta.url)('yaml')) as YamlModule;
  return yamlModule;
}

/** Parses with the `yaml` package into a raw tree (tags as markers) with positions recorded. */
function parseSlow(text: string, file: string): SlowTree {
  const { LineCounter, Parser, Composer, isAlias, isMap, isScalar, isSeq, isPair } = yamlPackage();
  type Node = import('yaml').Node;
  type Doc = import('yaml').Document.Parsed;
  const lc = new LineCounter();
  const parser = new Parser(lc.addNewLine);
  const composer = new Composer({ prettyErrors: false, merge: true, uniqueKeys: false });
  const docs: Doc[] = [];
  for (const d of composer.compose(parser.parse(text), true)) docs.push(d as Doc);
  const at = (offset: number | undefined): SourcePos => {
    if (offset === undefined) return { file };
    const p = lc.linePos(offset);
    return { file, line: p.line, col: p.col };
  };
  const doc = docs[0];
  if (!doc) return { tree: {} };
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
    tick(); // aliases are expanded here: a nested alias bomb is exponential
    if (isAlias(node)) {
      const target = node.resolve(doc);
      if (!target) throw new ConfigError(`unknown alias *${node.source}`, at(node.range?.[0]));
      if (seen.has(target as Node)) throw new ConfigError(`recursive alias *${node.source}`, at(node.range?.[0]));
      seen.add(target as Node);
      try { return convert(target); } finally { seen.delete(target as Node); }
    }
    const n = node as Node;
    const tag = n.tag;
    if (tag && tag.startsWith('!') && !tag.startsWith('!!')) {
      const raw = isScalar(n) ? (n.source ?? String(n.value ?? '')) : convertPlain(n);
      const m = marker(tag, raw);
      nodePositions.set(m, at(n.range?.[0]));
      return m;
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
            if (isPlainMap(s) && !isMarker(s)) for (const [k, v] of Object.entries(s)) if (!(k in out)) out[k] = v;
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
  return { tree: convert(doc.contents) ?? {} };
}

/** Parses YAML text; `file` is used for positions and messages. Empty documents give {}. */
export function parseYaml(text: string, file: string, ctx: TagContext): unknown {
  return evaluate(parseRaw(text, file), file, ctx, text);
}

/** Reads a file's text: readRepoFile (regular files only, size-limited; ConfigError otherwise). */
export function readYamlText(file: string): string {
  return readRepoFile(file);
}

/** Reads and parses a YAML file (a missing, unreadable or non-regular file is a ConfigError). */
export function readYamlFile(file: string, ctx: TagContext, text?: string): unknown {
  return parseYaml(text ?? readYamlText(file), file, ctx);
}

/** The `yaml`-package parse of text, evaluated: the reference the fast path must agree with (tests). */
export function parseYamlSlow(text: string, file: string, ctx: TagContext): unknown {
  return evaluate(parseSlow(text, file).tree, file, ctx, text);
}
