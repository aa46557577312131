/**
 * Identity chain -> AWS credentials. The warm path (valid cached credentials) reads one small file
 * and returns: it loads nothing from src/aws, no SDK, no YAML. Everything else (locks, SSO, STS)
 * lives in fetch-chain.ts, imported only on a miss.
 */
import { fromAmbient, unsupportedKindError } from '../atmos/kinds.ts';
import type { ChainHop, Resolution } from '../atmos/types.ts';
import { AtmosAuthError } from '../errors.ts';
import { debug } from '../log.ts';
import { chainKey, isFresh, minTtlSeconds, readCached, secondsLeft } from './cache.ts';
import type { AwsCredentials, LoginPolicy } from './types.ts';

/** How getCredentials may behave. */
export interface GetCredentialsOptions {
  /**
   * May it open a browser / prompt for an MFA code? Read only when the cache cannot answer, so a
   * caller may pass a getter whose answer is costly (the terminal check) and a warm run never pays.
   */
  login: LoginPolicy;
  /** Skip the credentials cache (`login --force`). */
  ignoreCache?: boolean;
  /** Use the device-code flow instead of the browser redirect. */
  deviceCode?: boolean;
  /** Where login instructions (URL, code, MFA prompt) go. */
  stderr: NodeJS.WritableStream;
  signal?: AbortSignal;
  /** Reuse cached credentials with at least this many seconds left (default ATMOS_AUTH_MIN_TTL or 900). */
  minTtl?: number;
  /**
   * Called when SSO resolves an account name of the chain to an id, before that account's
   * credentials are fetched; may throw to stop (the hook pins the first answer: src/trust/accounts.ts).
   */
  onAccountId?: (hop: Extract<ChainHop, { kind: 'aws/permission-set' }>, accountId: string) => Promise<void>;
}

/** Credentials for the resolution's identity, and whether they came from the cache. */
export interface CredentialsResult {
  credentials: AwsCredentials;
  fromCache: boolean;
  /** The identity's own hop (the last of the chain). */
  hop: ChainHop;
}

/** The identity hop of a resolution, or an error saying why there is none. */
export function identityHop(res: Resolution): ChainHop {
  const hop = res.chain[res.chain.length - 1];
  if (!res.identity || !hop) {
    throw new AtmosAuthError(`no identity applies here${res.reason ? `: ${res.reason}` : ''}`, {
      hint: 'pass --identity NAME (or set ATMOS_IDENTITY); `atmos-auth list` shows the identities of your profile',
    });
  }
  return hop;
}

/** Seconds an aws/assume-root session must have left to be reused (see getCredentials). */
export const ROOT_SESSION_MIN_TTL = 360;

/** Credentials for `res.identity`: cache first, then (under a lock per chain) SSO / STS. */
export async function getCredentials(res: Resolution, opts: GetCredentialsOptions): Promise<CredentialsResult> {
  const hop = identityHop(res);
  const odd = unsupportedKindError(res);
  if (odd) throw odd;
  // A root session lives at most 15 minutes: asking for the usual 15 left would refetch it on
  // every run. 6 minutes: more than the 5 before expiry at which the hook runs again, so that run
  // gets a new session rather than the old one once more.
  const minTtl = hop.kind === 'aws/assume-root' ? Math.min(opts.minTtl ?? minTtlSeconds(), ROOT_SESSION_MIN_TTL) : opts.minTtl ?? minTtlSeconds();
  const key = chainKey(res.chain, res.profiles);
  // A chain from the environment's credentials is never cached (kinds.ts: fromAmbient).
  if (!opts.ignoreCache && !fromAmbient(res.chain)) {
    const hit = readCached(key);
    if (hit && isFresh(hit.credentials, minTtl)) {
      debug(`credentials cache hit for ${res.identity} (${key.slice(0, 12)}), ${fmtLeft(secondsLeft(hit.credentials))} left`);
      return { credentials: hit.credentials, fromCache: true, hop };
    }
    debug(hit ? `credentials cache for ${res.identity} expires within ${minTtl} s: fetching new ones` : `credentials cache miss for ${res.identity} (${key.slice(0, 12)})`);
  }
  const { fetchChain } = await import('./fetch-chain.ts');
  return fetchChain(res, { ...opts, minTtl });
}

/** `1h02m`, `14m`, `expired` for debug lines and status. */
export function fmtLeft(seconds: number): string {
  if (seconds === Infinity) return 'no expiry';
  if (seconds <= 0) return 'expired';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return h ? `${h}h${String(m).padStart(2, '0')}m` : m ? `${m}m` : `${seconds}s`;
}
