/**
 * The default identity of a stack, by Atmos's rules for a command that targets one stack
 * (Atmos's "component auth merge": pkg/auth/config_helpers.go MergeComponentAuthConfig, then
 * pkg/auth/manager.go GetDefaultIdentity). The stack's `auth.identities.X.default` markers are
 * read after deep-merging its imports (an importing file's `default: false` cancels an imported
 * `true`); then:
 *  - a marker for an identity the active config does not define: `false` is dropped,
 *    `true` is an error (config_helpers.go:288-298);
 *  - any remaining `default: true` marker clears every default of atmos.yaml and the profiles,
 *    however many (config_helpers.go:163-165, stack_auth_loader.go:469-471);
 *  - then the markers apply: `true` makes a default, `false` demotes one (the PRD's table,
 *    docs/prd/default-auth-behavior.md:39-41);
 *  - one default left: that one; none: no default; several: an error (manager.go:552-555; Atmos
 *    would prompt on a terminal, a hook cannot).
 * Each stack is judged on its own files only (no leak between stacks, Atmos issue #2072).
 * Names match case-insensitively. There is no `enabled` field (pkg/schema/schema_auth.go:69-91):
 * `enabled: false` on an identity changes nothing.
 */
import { ConfigError, type SourcePos } from '../errors.ts';
import type { DefaultMark, LoadedStack } from './imports.ts';
import { getPath } from './merge.ts';
import { isPlainMap, posOf, type YamlMap } from './yaml.ts';

/** A named auth entry (provider or identity) as written. */
export interface AuthEntry {
  name: string;
  def: YamlMap;
}

/** The `auth:` section of the active configuration, indexed case-insensitively. */
export interface AuthConfig {
  providers: Map<string, AuthEntry>;
  identities: Map<string, AuthEntry>;
}

function index(section: unknown): Map<string, AuthEntry> {
  const out = new Map<string, AuthEntry>();
  if (!isPlainMap(section)) return out;
  for (const [name, def] of Object.entries(section)) {
    out.set(name.toLowerCase(), { name, def: isPlainMap(def) ? def : {} });
  }
  return out;
}

/** Indexes `auth.providers` and `auth.identities` of a merged config. */
export function authOf(config: YamlMap): AuthConfig {
  return { providers: index(getPath(config, 'auth', 'providers')), identities: index(getPath(config, 'auth', 'identities')) };
}

/**
 * A configuration error about an identity or its chain (not the stacks): an identity, or a provider
 * or identity its `via` names, that the active configuration does not define. `doctor` reports
 * these under its identity check, having seen the stacks resolve.
 */
export class IdentityConfigError extends ConfigError {}

/** Raised when a named identity is not defined; resolve.ts adds the profiles that define it. */
export class UndefinedIdentityError extends IdentityConfigError {
  readonly identity: string;
  constructor(identity: string, why: string, pos?: SourcePos) {
    super(`identity '${identity}' ${why}, but the active configuration does not define it`, pos);
    this.identity = identity;
  }
}

/** What one stack (or the config alone) defaults to. */
export interface DefaultChoice {
  identity: string | null;
  source: 'stack' | 'config' | null;
}

/** A default candidate and where it was set (for the "several defaults" message). */
interface Candidate {
  name: string;
  from: 'stack' | 'config';
  pos?: SourcePos;
}

function isDefaultTrue(v: unknown): boolean {
  return v === true || v === 'true';
}

/** The identities marked `default: true` in atmos.yaml and the active profiles, by lowercase name. */
function configCandidates(auth: AuthConfig, configFiles: string): Map<string, Candidate> {
  const out = new Map<string, Candidate>();
  for (const [k, e] of auth.identities) {
    if (isDefaultTrue(e.def.default)) out.set(k, { name: e.name, from: 'config', pos: posOf(e.def, 'default') ?? { file: configFiles } });
  }
  return out;
}

function pick(cands: Map<string, Candidate>, where: string, fallbackPos: SourcePos): DefaultChoice {
  const list = [...cands.values()];
  if (list.length === 0) return { identity: null, source: null };
  if (list.length === 1) return { identity: list[0]!.name, source: list[0]!.from };
  const names = list.map((c) => (c.pos?.line !== undefined ? `${c.name} (${c.pos.file}:${c.pos.line})` : c.name)).join(', ');
  throw new ConfigError(`several default identities ${where}: ${names}; Atmos would not guess`, list[1]!.pos ?? fallbackPos, {
    hint: 'keep `default: true` on one identity only, set `default: false` on the others in the stack, or set ATMOS_IDENTITY',
  });
}

/** The default of the configuration alone (atmos.yaml and the active profiles): for a directory without stacks. */
export function configDefault(auth: AuthConfig, configFiles: string): DefaultChoice {
  return pick(configCandidates(auth, configFiles), 'in the configuration', { file: configFiles });
}

/** True when a stack's own `auth.identities.<name>` holds more than a `default` marker (an identity declaration). */
function declaredInStack(stack: LoadedStack, name: string): boolean {
  const ids = getPath(stack.merged, 'auth', 'identities');
  const local = isPlainMap(ids) ? ids[name] : undefined;
  return isPlainMap(local) && Object.keys(local).some((k) => k !== 'default');
}

/** Atmos's marker test (config_helpers.go:279-282): a map whose only field is a boolean `default`. */
function isMarker(v: YamlMap): boolean {
  const keys = Object.keys(v);
  return keys.length === 1 && keys[0] === 'default' && typeof v.default === 'boolean';
}

/**
 * An entry of the stack's `auth.identities` that is no marker declares an identity; one the
 * active config does not define must be complete, or Atmos's manager refuses it at start
 * (config_helpers_test.go:572-600; `name: {}` and `required: true` alike, the PRD at :45-48).
 */
function checkDeclarations(stack: LoadedStack, auth: AuthConfig): void {
  const ids = getPath(stack.merged, 'auth', 'identities');
  if (!isPlainMap(ids)) return;
  for (const [name, v] of Object.entries(ids)) {
    if (!isPlainMap(v) || isMarker(v) || auth.identities.has(name.toLowerCase()) || v.kind !== undefined) continue;
    throw new ConfigError(`identity '${name}' is declared in the stack of ${stack.file} without a kind, and the active configuration does not define it`, posOf(v) ?? posOf(ids, name) ?? { file: stack.file }, {
      hint: 'define the identity (with its kind) in atmos.yaml or the active profile, or leave only `default: true|false` in the stack',
    });
  }
}

/**
 * The stack's markers that survive Atmos's normalisation (config_helpers.go:216-299), keyed by
 * the lowercase identity name, with the configured spelling. Throws for an undefined `true`.
 */
function normalizedMarks(stack: LoadedStack, auth: AuthConfig): Map<string, DefaultMark> {
  checkDeclarations(stack, auth);
  const out = new Map<string, DefaultMark>();
  for (const m of stack.defaults.values()) {
    const hit = auth.identities.get(m.name.toLowerCase());
    if (!hit && !declaredInStack(stack, m.name)) {
      if (!m.value) continue;
      throw new UndefinedIdentityError(m.name, `is the default of stack manifest ${stack.file}`, m.pos);
    }
    out.set(m.name.toLowerCase(), { ...m, name: hit?.name ?? m.name });
  }
  return out;
}

/**
 * Checks a stack's markers the way Atmos does before any identity is chosen (an undefined
 * `default: true` is an error even when ATMOS_IDENTITY is set: Atmos merges the stack's auth
 * before it looks at --identity, internal/exec/terraform_execute_helpers.go:98-113).
 */
export function checkStackMarks(stack: LoadedStack, auth: AuthConfig): void {
  normalizedMarks(stack, auth);
}

/** The default identity of one stack. */
export function stackDefault(stack: LoadedStack, auth: AuthConfig, configFiles: string): DefaultChoice {
  const marks = normalizedMarks(stack, auth);
  const cands = [...marks.values()].some((m) => m.value) ? new Map<string, Candidate>() : configCandidates(auth, configFiles);
  for (const [k, m] of marks) {
    if (m.value) cands.set(k, m.pos ? { name: m.name, from: 'stack', pos: m.pos } : { name: m.name, from: 'stack' });
    else cands.delete(k);
  }
  const fromStack = [...cands.values()].some((c) => c.from === 'stack');
  return pick(cands, fromStack ? `for the stack of ${stack.file}` : `in the configuration (the stack of ${stack.file} sets none)`, { file: stack.file });
}
