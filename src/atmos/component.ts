/**
 * Component-level auth: the identity `atmos terraform plan <component> -s <stack>` uses.
 *
 * Atmos resolves the component's `auth:` section like vars (stack `auth:`, `terraform.auth:`, the
 * component's `auth:`; internal/exec/stack_processor_merge.go:168-176) and merges it over the
 * global auth config before choosing the default (pkg/auth/config_helpers.go:142-214,
 * MergeComponentAuthConfig, called from internal/exec/utils_auth.go:132):
 * - an entry that is only `default: true|false` is a marker: for a defined identity it sets that
 *   identity's default; an undefined `default: false` is dropped; an undefined `default: true` is
 *   an error (docs/fixes/2026-07-21-component-auth-default-markers.md, config_helpers.go:270-303);
 * - any other entry is a declaration, deep-merged field by field over the identity of that name;
 * - when the section marks any identity `default: true`, every other default is cleared first, so
 *   the component's default wins (config_helpers.go:160-166).
 *
 * API, for whoever changes the stack default rules (identity.ts): `componentAuth` takes the auth
 * config and the stack's own choice (`stackDefault`, already with the stack's rules applied) and
 * returns the auth config to build the chain from and the component's choice. The stack-level part
 * of the section is therefore not re-applied here: only `terraform.auth` and the component's own
 * `auth` (and `metadata.inherits`/`component:` bases are not followed).
 */
import { ConfigError } from '../errors.ts';
import { didYouMean } from './chain.ts';
import type { AuthConfig, AuthEntry, DefaultChoice } from './identity.ts';
import { deepMerge, getPath } from './merge.ts';
import { isPlainMap, posOf, type YamlMap } from './yaml.ts';

/** What a stack's component selects. */
export interface ComponentAuth {
  /** The auth config with the component's declarations merged in (build the chain from this). */
  auth: AuthConfig;
  choice: DefaultChoice;
  /** The component's merged vars (region and friends). */
  vars: YamlMap;
  /** True when the component's own section chose the identity (not the stack's default). */
  fromComponent: boolean;
}

/** The component's section of a merged stack; a ConfigError naming the stack's components when absent. */
function componentSection(merged: YamlMap, component: string, stackName: string, file: string): YamlMap {
  const all = getPath(merged, 'components', 'terraform');
  const c = isPlainMap(all) ? all[component] : undefined;
  if (isPlainMap(c)) return c;
  const names = isPlainMap(all) ? Object.keys(all) : [];
  const guess = didYouMean(component, names);
  throw new ConfigError(`component '${component}' is not defined in stack ${stackName}${guess ? ` (did you mean '${guess}'?)` : ''}`, posOf(merged, 'components') ?? { file }, {
    hint: names.length ? `terraform components of ${stackName}: ${names.sort().join(', ')}` : `stack ${stackName} defines no terraform components`,
  });
}

function isMarker(v: unknown): v is { default: boolean } {
  return isPlainMap(v) && Object.keys(v).length === 1 && typeof v.default === 'boolean';
}

/** Applies the `auth:` of `component` in one merged stack over `auth` and the stack's `choice`. */
export function componentAuth(stack: { name: string; file: string; merged: YamlMap }, component: string, auth: AuthConfig, choice: DefaultChoice): ComponentAuth {
  const comp = componentSection(stack.merged, component, stack.name, stack.file);
  const vars = deepMerge(deepMerge(getPath(stack.merged, 'vars') ?? {}, getPath(stack.merged, 'terraform', 'vars') ?? {}), comp.vars ?? {}) as YamlMap;
  const section = deepMerge(getPath(stack.merged, 'terraform', 'auth') ?? {}, comp.auth ?? {});
  const ids = isPlainMap(section) && isPlainMap(section.identities) ? section.identities : {};
  const identities = new Map<string, AuthEntry>(auth.identities);
  const defaults = new Map<string, boolean>();
  for (const [name, entry] of Object.entries(ids)) {
    const key = name.toLowerCase();
    const known = identities.get(key);
    if (isMarker(entry)) {
      if (!known) {
        if (!entry.default) continue;
        throw new ConfigError(`component '${component}' of stack ${stack.name} makes identity '${name}' its default, but the active configuration does not define it`, posOf(entry, 'default') ?? { file: stack.file }, {
          hint: 'define the identity in atmos.yaml or the active profile, or select an existing identity',
        });
      }
      defaults.set(key, entry.default);
      continue;
    }
    if (!isPlainMap(entry)) continue;
    // A declaration: merged over the identity of that name (or a new one); its `default` counts too.
    identities.set(key, { name: known?.name ?? name, def: deepMerge(known?.def ?? {}, entry) as YamlMap });
    if (typeof entry.default === 'boolean') defaults.set(key, entry.default);
  }
  // Providers declared in the section merge the same way (ComponentAuthConfig.Providers, schema_auth.go).
  const providers = new Map<string, AuthEntry>(auth.providers);
  const provs = isPlainMap(section) && isPlainMap(section.providers) ? section.providers : {};
  for (const [name, entry] of Object.entries(provs)) {
    if (!isPlainMap(entry)) continue;
    const known = providers.get(name.toLowerCase());
    providers.set(name.toLowerCase(), { name: known?.name ?? name, def: deepMerge(known?.def ?? {}, entry) as YamlMap });
  }
  const out: AuthConfig = { providers, identities };
  const chosen = [...defaults].filter(([, v]) => v).map(([k]) => identities.get(k)!.name);
  if (chosen.length > 1) {
    throw new ConfigError(`several default identities for component '${component}' of stack ${stack.name}: ${chosen.join(', ')}; Atmos would not guess`, { file: stack.file }, {
      hint: 'keep `default: true` on one identity of the component\'s auth section',
    });
  }
  if (chosen.length === 1) return { auth: out, choice: { identity: chosen[0]!, source: 'stack' }, vars, fromComponent: true };
  // No default of its own: the stack's stays, unless the component demotes it.
  if (choice.identity && defaults.get(choice.identity.toLowerCase()) === false) return { auth: out, choice: { identity: null, source: null }, vars, fromComponent: true };
  return { auth: out, choice, vars, fromComponent: false };
}
