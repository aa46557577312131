/**
 * Which files are stack manifests: included_paths minus excluded_paths, doublestar globs relative
 * to the stacks dir. A pattern with no extension (`orgs/**\/*`) means its .yaml, .yml, .yaml.tmpl
 * and .yml.tmpl forms, so a README beside the stacks is no manifest.
 */
import picomatch from 'picomatch';

export const STACK_EXTENSIONS = ['.yaml', '.yml', '.yaml.tmpl', '.yml.tmpl'];

function expand(pattern: string): string[] {
  const p = pattern.replace(/^\.\//, '');
  const last = p.split('/').pop() ?? '';
  if (/\.[A-Za-z0-9]+$/.test(last) || /\.\{/.test(last)) return [p];
  return STACK_EXTENSIONS.map((e) => p + e);
}

/** A predicate over paths relative to the stacks dir (forward slashes). */
export type ManifestMatcher = (rel: string) => boolean;

/** Builds the manifest predicate of a stacks configuration. */
export function manifestMatcher(included: string[], excluded: string[]): ManifestMatcher {
  const inc = picomatch(included.flatMap(expand), { dot: true });
  const exc = excluded.length ? picomatch(excluded.flatMap(expand), { dot: true }) : () => false;
  return (rel) => STACK_EXTENSIONS.some((e) => rel.endsWith(e)) && inc(rel) && !exc(rel);
}
