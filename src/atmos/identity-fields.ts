/**
 * Identity fields besides the chain: `env:` (variables the identity adds), `alias` and `tags`
 * (labels for `list`), and the `credentials.access_key_id`/`secret_access_key` of an aws/user.
 * Each is read as Atmos reads it (pkg/schema/schema_auth.go:72-95) and validated here, offline, so
 * a bad value is a ConfigError naming the file and line before anything reaches the network or
 * the shell.
 */
import { ConfigError } from '../errors.ts';
import { envDenial } from './env-denylist.ts';
import type { AuthEntry } from './identity.ts';
import type { EnvEntry } from './types.ts';
import { isPlainMap, posOf, YamlTag } from './yaml.ts';

const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A scalar YAML value as the string Atmos's decoder makes of it (mapstructure, weakly typed). */
function scalarText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return undefined;
}

/**
 * The `env:` entries of an identity, in order, a later entry of the same key replacing an earlier
 * one (Atmos fills a map: permission_set.go:204, user.go:809). Keys keep their case (schema_auth.go:
 * EnvironmentVariable "with preserved case sensitivity"). Refused, naming the identity, key, file
 * and line: a malformed entry, an invalid name, a name on the deny-list (env-denylist.ts), a value
 * atmos-auth does not evaluate (`!exec` ...), a NUL character.
 */
export function identityEnvEntries(e: AuthEntry): EnvEntry[] {
  const list = e.def.env;
  if (list === undefined || list === null) return [];
  const where = posOf(e.def, 'env') ?? posOf(e.def);
  if (!Array.isArray(list)) {
    throw new ConfigError(`identity '${e.name}': env must be a list of {key, value} entries`, where, { hint: 'e.g. env: [{key: TF_VAR_team, value: platform}]' });
  }
  const out = new Map<string, EnvEntry>();
  list.forEach((item, i) => {
    const at = posOf(list, i) ?? where;
    if (!isPlainMap(item)) throw new ConfigError(`identity '${e.name}': env entry ${i + 1} must be a map with key and value`, at);
    const key = item.key;
    if (typeof key !== 'string' || !VAR_NAME.test(key)) {
      throw new ConfigError(`identity '${e.name}': env key ${JSON.stringify(key instanceof YamlTag ? key.toJSON() : key)} is not a valid variable name`, posOf(item, 'key') ?? at, {
        hint: 'use letters, digits and _, not starting with a digit',
      });
    }
    const why = envDenial(key);
    if (why) {
      throw new ConfigError(`identity '${e.name}': env key ${key} is refused: it ${why}`, posOf(item, 'key') ?? at, {
        hint: 'remove the entry; SECURITY.md lists the names an identity may not set and why',
      });
    }
    const raw = item.value;
    if (raw instanceof YamlTag) {
      throw new ConfigError(`identity '${e.name}': env ${key} uses ${raw.tag}, which atmos-auth does not evaluate`, posOf(item, 'value') ?? at, { hint: 'use a plain value or !env' });
    }
    const value = raw === undefined || raw === null ? '' : scalarText(raw);
    if (value === undefined) throw new ConfigError(`identity '${e.name}': env ${key} must have a scalar value`, posOf(item, 'value') ?? at);
    if (value.includes('\0')) throw new ConfigError(`identity '${e.name}': env ${key} contains a NUL character, which no environment variable can hold`, posOf(item, 'value') ?? at);
    out.delete(key);
    out.set(key, { key, value });
  });
  return [...out.values()];
}

/** `tags:` of a provider or identity: the strings listed (Atmos schema_auth.go:57,95). */
export function tagsOf(e: AuthEntry): string[] {
  const t = e.def.tags;
  if (!Array.isArray(t)) return [];
  return t.map(scalarText).filter((s): s is string => s !== undefined && s !== '');
}

/** `alias:` of an identity, a display name (Atmos shows it in `auth list`: pkg/auth/list/formatter_table.go:198). */
export function aliasOf(e: AuthEntry): string | undefined {
  const a = scalarText(e.def.alias);
  return a ? a : undefined;
}

/**
 * The long-lived keys of an aws/user identity written in its YAML (usually `!env`), as Atmos's
 * resolveLongLivedCredentials (pkg/auth/identities/aws/user.go:227-250): both set, they are used
 * instead of the local store; one alone is an error; neither (also `!env` of an unset variable),
 * undefined: the local store is used. Non-strings are not keys, as Atmos's string assertion.
 */
export function yamlUserKeys(e: AuthEntry): { accessKeyId: string; secretAccessKey: string } | undefined {
  const c = isPlainMap(e.def.credentials) ? e.def.credentials : {};
  const pos = posOf(e.def, 'credentials') ?? posOf(e.def);
  for (const k of ['access_key_id', 'secret_access_key'] as const) {
    if (c[k] instanceof YamlTag) throw new ConfigError(`identity '${e.name}': credentials.${k} uses ${c[k].tag}, which atmos-auth does not evaluate`, posOf(c, k) ?? pos, { hint: 'use !env VARIABLE, or store the keys with atmos-auth user configure' });
  }
  const id = typeof c.access_key_id === 'string' ? c.access_key_id : '';
  const secret = typeof c.secret_access_key === 'string' ? c.secret_access_key : '';
  if (id && secret) return { accessKeyId: id, secretAccessKey: secret };
  if (id || secret) {
    throw new ConfigError(`identity '${e.name}' (aws/user): credentials.access_key_id and secret_access_key must both be provided or both be empty`, posOf(c, id ? 'access_key_id' : 'secret_access_key') ?? pos, {
      hint: `set both (e.g. !env variables that are both exported), or neither and run: atmos-auth user configure ${e.name}`,
    });
  }
  return undefined;
}
