/**
 * Stack naming and template rendering as the engine uses them. Temporary stand-in until
 * src/atmos/template.ts and src/atmos/stack-name.ts land (another engineer's modules): supports
 * only `{{ .a.b }}` field paths. Replace this body with re-exports once they exist.
 */
import { relative } from 'node:path';
import { ConfigError, type SourcePos } from '../errors.ts';

type Data = Record<string, unknown>;

function field(data: Data, path: string): unknown {
  let cur: unknown = data;
  for (const k of path.split('.').filter(Boolean)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Data)[k];
  }
  return cur;
}

/** Renders a Go template over `data` (stand-in: field paths only). */
export function renderTemplate(src: string, data: Data, where?: SourcePos): string {
  return src.replace(/\{\{-?\s*(.*?)\s*-?\}\}/g, (_m, expr: string) => {
    if (!/^(\.[\w-]+)+$/.test(expr)) throw new ConfigError(`template construct not supported: {{ ${expr} }}`, where);
    const v = field(data, expr);
    return v === undefined || v === null ? '<no value>' : String(v);
  });
}

/** The name of a stack: `name`, else name_template, else name_pattern, else its path. */
export function stackName(o: { manifestPath: string; stacksBasePath: string; merged: Data; nameTemplate?: string; namePattern?: string; where?: SourcePos }): string {
  if (typeof o.merged.name === 'string' && o.merged.name) return o.merged.name;
  if (o.nameTemplate) return renderTemplate(o.nameTemplate, o.merged, o.where);
  if (o.namePattern) {
    const vars = (o.merged.vars ?? {}) as Data;
    return o.namePattern.replace(/\{(\w+)\}/g, (_m, k: string) => String(vars[k] ?? ''));
  }
  return relative(o.stacksBasePath, o.manifestPath).replace(/\.(ya?ml)(\.tmpl)?$/, '');
}
