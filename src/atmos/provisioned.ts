/**
 * Identities Atmos provisioned from IAM Identity Center (`auto_provision_identities: true`): one
 * `aws/permission-set` identity per account and role, in
 * `<XDG cache>/atmos/auth/<provider>/provisioned-identities.yaml` (Atmos
 * pkg/auth/provisioning/writer.go:18-36, :58-95). Atmos's loader imports those files beneath the
 * config file that defines the providers, before that file's own imports, so the file itself and
 * everything above it win (pkg/config/load.go:1845-1857 mergeImports, :1877-1913
 * injectProvisionedIdentityImports; load.go:1414-1423 re-applies the file after its imports).
 * Files only, no network: the writing side is src/aws/provisioning.ts.
 */
import { lstatSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { debug } from '../log.ts';
import { deepMerge } from './merge.ts';
import type { Reader } from './reader.ts';
import { isPlainMap, type YamlMap } from './yaml.ts';

/** writer.go:28 ProvisionedFileName. */
export const PROVISIONED_FILE = 'provisioned-identities.yaml';

/**
 * `<cache>/atmos/auth`, as pkg/xdg/xdg.go:124-147 computes the cache base (ATMOS_XDG_CACHE_HOME,
 * else XDG_CACHE_HOME, else ~/.cache, also on macOS) with writer.go:25 authSubDir.
 */
export function provisionedRoot(env: NodeJS.ProcessEnv): string {
  const base = env.ATMOS_XDG_CACHE_HOME || env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache');
  return join(base, 'atmos', 'auth');
}

/**
 * The directory name of a provider, as Atmos spells it: provider names reach Atmos through Viper,
 * which lower-cases map keys (load.go:1896 iterates src.Auth.Providers), and writer.go:168-179
 * sanitizeProviderName trims spaces and turns `/` and `\` into `_` ("" becomes "_").
 */
export function provisionedDirName(provider: string): string {
  const n = provider.toLowerCase().trim();
  return n ? n.replace(/[/\\]/g, '_') : '_';
}

/** The provisioned-identities file of a provider. */
export function provisionedFile(env: NodeJS.ProcessEnv, provider: string): string {
  return join(provisionedRoot(env), provisionedDirName(provider), PROVISIONED_FILE);
}

function providerNames(layers: unknown[]): string[] {
  const names = new Set<string>();
  for (const l of layers) {
    const p = isPlainMap(l) && isPlainMap(l.auth) ? l.auth.providers : undefined;
    if (isPlainMap(p)) for (const k of Object.keys(p)) names.add(k);
  }
  return [...names];
}

/** The `auth.identities` of one provisioned file, or null when it is absent or not ours to read. */
function readProvisioned(reader: Reader, file: string): YamlMap | null {
  let st;
  try {
    st = lstatSync(file);
  } catch {
    reader.trace.missing(file);
    return null;
  }
  const uid = typeof process.getuid === 'function' ? process.getuid() : -1;
  if (!st.isFile() || (uid >= 0 && st.uid !== uid)) {
    debug(`provisioned identities: ignoring ${file} (not a regular file of yours)`);
    reader.trace.file(file);
    return null;
  }
  let content: unknown;
  // Atmos's cache is a location the discovery names (not the repository's): readable for this run.
  reader.confine.add(dirname(file));
  try {
    content = reader.yaml(file);
  } catch (err) {
    // Atmos skips an import that does not load (imports.go:129-136 mergeResolvedImports): so do we.
    debug(`provisioned identities: ignoring ${file}: ${(err as Error).message}`);
    return null;
  }
  const ids = isPlainMap(content) && isPlainMap(content.auth) ? content.auth.identities : undefined;
  // Only the identities: the file is a cache, and nothing else in it is meant to configure anything.
  return isPlainMap(ids) ? ids : null;
}

/**
 * `config` with the provisioned identities of the providers that `layers` (one config file and its
 * atmos.d fragments) define merged over it; the caller merges the file itself over the result.
 * Each file looked for is traced, so one appearing later invalidates cached resolutions.
 */
export function mergeProvisioned(reader: Reader, config: YamlMap, layers: unknown[]): YamlMap {
  let out = config;
  for (const name of providerNames(layers)) {
    const file = provisionedFile(reader.env, name);
    const ids = readProvisioned(reader, file);
    if (!ids) continue;
    debug(`config: provisioned identities of ${name} from ${file} (${Object.keys(ids).length})`);
    out = deepMerge(out, { auth: { identities: ids } }) as YamlMap;
  }
  return out;
}
