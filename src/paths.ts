/**
 * Where atmos-auth keeps its own files. Follows the platform conventions through env-paths
 * (XDG on Linux), so tests and users relocate everything with HOME or XDG_* variables.
 */
import envPaths from 'env-paths';

const base = envPaths('atmos-auth', { suffix: '' });

/** Directories atmos-auth owns: cache (credentials, tokens, resolution cache), config, data. */
export const paths = {
  /** Disposable state: role credentials, resolution cache, locks. */
  cache: base.cache,
  /** Settings the user made: trusted repositories, the profile-mode AWS config file. */
  config: base.config,
  /** Data worth keeping: IAM user keys entered with `user configure`. */
  data: base.data,
} as const;
