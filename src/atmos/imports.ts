/**
 * A stack manifest with its imports, as Atmos merges them: imports in order, then the importing
 * file on top (it wins). Paths resolve against the stacks dir, except `./` and `../` (against the
 * importing file); with no extension .yaml, .yml, .yaml.tmpl, .yml.tmpl are tried. Globs expand
 * in sorted order. A file on its own import path is a cycle, reported as `a.yaml -> b.yaml -> a.yaml`.
 */
import { dirname, join, relative, resolve as resolvePath } from 'node:path';
import { ConfigError, type SourcePos } from '../errors.ts';
import { checkpoint } from './deadline.ts';
import { globFiles, isFileLike } from './repo-files.ts';
import { STACK_EXTENSIONS } from './manifests.ts';
import { deepMerge } from './merge.ts';
import type { Reader } from './reader.ts';
import { renderTemplate } from './naming.ts';
import { isPlainMap, posOf, YamlTag, type YamlMap } from './yaml.ts';

/** A `default:` marker of an identity, with where it was written. */
export interface DefaultMark {
  /** Identity name as written. */
  name: string;
  value: boolean;
  pos?: SourcePos;
}

/** A manifest merged with its imports. */
export interface LoadedStack {
  file: string;
  merged: YamlMap;
  /** Identity name -> the winning `auth.identities.<name>.default` marker (deep-merge order). */
  defaults: Map<string, DefaultMark>;
}

const GLOB_CHARS = /[*?[\]{}]/;

/** Loads manifests and their imports, caching each file's merged result for the run. */
export class StackLoader {
  private readonly reader: Reader;
  private readonly stacksDir: string;
  private readonly done = new Map<string, LoadedStack>();

  constructor(reader: Reader, stacksDir: string) {
    this.reader = reader;
    this.stacksDir = stacksDir;
  }

  /** The manifest `file` merged with everything it imports. */
  load(file: string): LoadedStack {
    return this.loadFile(file, [], undefined);
  }

  private rel(f: string): string {
    const r = relative(this.stacksDir, f);
    return r.startsWith('..') ? f : r;
  }

  private parse(file: string, context: unknown): unknown {
    if (file.endsWith('.tmpl')) {
      const text = this.reader.text(file);
      const data = isPlainMap(context) ? context : {};
      const rendered = renderTemplate(text, data, { file });
      return this.reader.yamlText(file, rendered);
    }
    return this.reader.yaml(file);
  }

  private loadFile(file: string, chain: string[], context: unknown): LoadedStack {
    const cacheable = context === undefined;
    const hit = cacheable ? this.done.get(file) : undefined;
    if (hit) return hit;
    // Templated imports with a context are loaded again each time: fan-out can be exponential.
    checkpoint(file);
    const content = this.parse(file, context);
    const own: YamlMap = isPlainMap(content) ? content : {};
    const path = [...chain, file];
    let merged: YamlMap = {};
    const defaults = new Map<string, DefaultMark>();
    const entries = own.import === undefined || own.import === null ? [] : Array.isArray(own.import) ? own.import : [own.import];
    entries.forEach((entry, i) => {
      const pos = posOf(own.import, i) ?? posOf(own, 'import') ?? { file };
      for (const { target, ctx } of this.resolveImport(entry, file, pos)) {
        if (path.includes(target)) {
          const cycle = [...path.slice(path.indexOf(target)), target].map((f) => this.rel(f)).join(' -> ');
          throw new ConfigError(`import cycle: ${cycle}`, pos);
        }
        const sub = this.loadFile(target, path, ctx);
        checkpoint(file); // the merge is this file's work (and may explode: aliases)
        merged = deepMerge(merged, sub.merged) as YamlMap;
        for (const [k, v] of sub.defaults) defaults.set(k, v);
      }
    });
    const { import: _ignored, ...rest } = own;
    checkpoint(file);
    merged = deepMerge(merged, rest) as YamlMap;
    const ids = isPlainMap(own.auth) && isPlainMap(own.auth.identities) ? own.auth.identities : undefined;
    if (ids) {
      for (const [name, def] of Object.entries(ids)) {
        if (!isPlainMap(def) || def.default === undefined) continue;
        const value = def.default === true || def.default === 'true';
        const p = posOf(def, 'default');
        defaults.set(name, p ? { name, value, pos: p } : { name, value });
      }
    }
    const out: LoadedStack = { file, merged, defaults };
    if (cacheable) this.done.set(file, out);
    return out;
  }

  /** The files one `import:` entry names, in merge order. */
  private resolveImport(entry: unknown, from: string, pos: SourcePos): { target: string; ctx: unknown }[] {
    let p: unknown = entry;
    let skip = false;
    let ctx: unknown;
    if (isPlainMap(entry)) {
      p = entry.path;
      skip = entry.skip_if_missing === true;
      ctx = entry.context;
    }
    if (p instanceof YamlTag) throw new ConfigError(`import path uses ${p.tag}, which atmos-auth does not evaluate`, pos);
    if (typeof p !== 'string' || !p.trim()) throw new ConfigError('import entry needs a path (a string, or a map with `path:`)', pos);
    const spec = p.trim();
    const base = spec.startsWith('./') || spec.startsWith('../') ? dirname(from) : this.stacksDir;
    const abs = resolvePath(base, spec);
    let targets: string[];
    if (GLOB_CHARS.test(spec)) {
      const last = spec.split('/').pop() ?? '';
      const patterns = /\.[A-Za-z]+$/.test(last) ? [abs] : STACK_EXTENSIONS.map((e) => abs + e);
      // Atmos globs with doublestar over os.DirFS (pkg/utils/glob_utils.go:44-69), which follows
      // symlinks; globFiles does too, within the configured directories, ending loops, and lists
      // non-regular files so that reading them is an error naming them (Atmos would hang on one).
      const found = new Set<string>();
      for (const pat of patterns) for (const f of globFiles(pat, { trace: this.reader.trace, confine: this.reader.confine })) found.add(f);
      targets = [...found].sort();
    } else {
      const candidates = [abs, ...STACK_EXTENSIONS.map((e) => abs + e)];
      const hit = candidates.find((c) => STACK_EXTENSIONS.some((e) => c.endsWith(e)) && isFileLike(c));
      targets = hit ? [hit] : [];
      if (!hit) this.reader.trace.dir(dirname(abs));
    }
    targets = targets.filter((t) => t !== from || !GLOB_CHARS.test(spec));
    if (targets.length === 0) {
      if (skip) return [];
      throw new ConfigError(`import '${spec}' not found (looked for ${join(relative(this.stacksDir, base) || '.', spec)}{${STACK_EXTENSIONS.join(',')}} under ${this.stacksDir})`, pos, {
        hint: 'fix the path, or add `skip_if_missing: true` to a map import',
      });
    }
    return targets.map((target) => ({ target, ctx }));
  }
}
