/** Deep merge as Atmos does it for stacks and config: maps merge, lists and scalars replace, later wins. */
import { tick } from './deadline.ts';
import { isPlainMap, type YamlMap } from './yaml.ts';

/** Returns a new value: `over` merged onto `base`. Neither input is mutated. */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (isPlainMap(base) && isPlainMap(over)) {
    tick(); // two alias-heavy trees merge exponentially: the resolution deadline must see it
    const out: YamlMap = { ...base };
    for (const [k, v] of Object.entries(over)) {
      out[k] = k in base ? deepMerge(base[k], v) : v;
    }
    return out;
  }
  return over === undefined ? base : over;
}

/** Merges several maps left to right (later wins). Non-maps are ignored. */
export function mergeAll(items: unknown[]): YamlMap {
  let out: YamlMap = {};
  for (const it of items) if (isPlainMap(it)) out = deepMerge(out, it) as YamlMap;
  return out;
}

/** Reads `obj.a.b.c`; undefined when any step is not a map. */
export function getPath(obj: unknown, ...keys: string[]): unknown {
  let cur = obj;
  for (const k of keys) {
    if (!isPlainMap(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}
