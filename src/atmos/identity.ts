/**
 * The default identity of a stack, by Atmos's rules (pkg/config/stack_auth_loader.go,
 * MergeStackAuthDefaults): a stack's own `auth.identities.X.default: true` (after deep-merging its
 * imports, so an importing file's `default: false` cancels an imported `true`) clears the
 * atmos.yaml/profile defaults; otherwise those apply. Each stack is judged on its own files only
 * (no leak between stacks, Atmos issue #2072). A default naming an undefined identity, or several
 * defaults, is an error. Names match case-insensitively; `enabled: false` removes an identity.
 */
import { ConfigError, type SourcePos } from '../errors.ts';
import type { LoadedStack } from './imports.ts';
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
    const d = isPlainMap(def) ? def : {};
    if (d.enabled === false || d.enabled === 'false') continue;
    out.set(name.toLowerCase(), { name, def: d });
  }
  return out;
}

/** Indexes `auth.providers` and `auth.identities` of a merged config. */
export function authOf(config: YamlMap): AuthConfig {
  return { providers: index(getPath(config, 'auth', 'providers')), identities: index(getPath(config, 'auth', 'identities')) };
}

/** Raised (as a ConfigError) when a named identity is not defined; resolve.ts adds the profiles that define it. */
export class UndefinedIdentityError extends ConfigError {
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

/** The identities marked `default: true` in atmos.yaml and the active profiles. */
export function configDefault(auth: AuthConfig, configFiles: string): DefaultChoice {
  const defs = [...auth.identities.values()].filter((e) => e.def.default === true);
  if (defs.length > 1) {
    throw new ConfigError(`several default identities in the configuration: ${defs.map((d) => d.name).join(', ')}; Atmos would not guess`, posOf(defs[1]!.def, 'default') ?? { file: configFiles }, {
      hint: 'keep `default: true` on one identity only',
    });
  }
  return defs[0] ? { identity: defs[0].name, source: 'config' } : { identity: null, source: null };
}

/** The default identity of one stack. */
export function stackDefault(stack: LoadedStack, auth: AuthConfig, fallback: DefaultChoice): DefaultChoice {
  const marks = [...stack.defaults.values()].filter((m) => m.value);
  if (marks.length === 0) return fallback;
  // Stack-level definitions (full identities written in the stack) count as defined.
  const stackIds = getPath(stack.merged, 'auth', 'identities');
  const names = new Map<string, string>();
  for (const m of marks) {
    const hit = auth.identities.get(m.name.toLowerCase());
    const local = isPlainMap(stackIds) ? stackIds[m.name] : undefined;
    const definedHere = isPlainMap(local) && (local.kind !== undefined || local.via !== undefined);
    if (!hit && !definedHere) {
      throw new UndefinedIdentityError(m.name, `is the default of stack manifest ${stack.file}`, m.pos);
    }
    names.set(m.name.toLowerCase(), hit?.name ?? m.name);
  }
  if (names.size > 1) {
    const where = marks.map((m) => (m.pos ? `${m.name} (${m.pos.file}:${m.pos.line})` : m.name)).join(', ');
    throw new ConfigError(`several default identities for the stack of ${stack.file}: ${where}; Atmos would not guess`, marks[1]!.pos ?? { file: stack.file }, {
      hint: 'set `default: false` on all but one (in the importing file), or remove the extra import',
    });
  }
  return { identity: [...names.values()][0]!, source: 'stack' };
}
