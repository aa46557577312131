/**
 * The prompt segment (`plat-dev/terraform (plan) 42m`) from environment variables alone: what the
 * shells' `atmos_auth_prompt` functions print, for `atmos-auth prompt` and for tests comparing them.
 */

/** RFC 3339 -> epoch milliseconds, or null when the text is not a date-time with an offset. */
function parseExpiration(s: string): number | null {
  if (!/^\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)$/.test(s)) return null;
  const t = Date.parse(s.replace(' ', 'T'));
  return Number.isNaN(t) ? null : t;
}

/** Time left in the prompt's words: `42m`, `3h5m`, `expired`. */
export function timeLeft(seconds: number): string {
  if (seconds <= 0) return 'expired';
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  return `${Math.floor(seconds / 3600)}h${Math.floor((seconds % 3600) / 60)}m`;
}

/** The segment, '' outside any identity. `zsh: true` doubles `%` for zsh prompt expansion. */
export function promptText(env: NodeJS.ProcessEnv, now: number = Date.now(), opts: { zsh?: boolean } = {}): string {
  const identity = env.ATMOS_AUTH_IDENTITY;
  if (!identity) return '';
  let out = identity;
  if (env.ATMOS_AUTH_ACCESS) out += ` (${env.ATMOS_AUTH_ACCESS})`;
  // Profile mode exports no credential expiry, only the SSO session's end (ATMOS_AUTH_EXPIRATION).
  const raw = env.AWS_CREDENTIAL_EXPIRATION || env.ATMOS_AUTH_EXPIRATION;
  const exp = raw ? parseExpiration(raw) : null;
  if (exp !== null) out += ` ${timeLeft(Math.floor(exp / 1000) - Math.floor(now / 1000))}`;
  // Opt-in: the kube context kubectl uses here (an aws/eks integration).
  if (env.ATMOS_AUTH_PROMPT_KUBE && env.ATMOS_AUTH_KUBE_CONTEXT) out += ` k8s:${env.ATMOS_AUTH_KUBE_CONTEXT}`;
  return opts.zsh ? out.replaceAll('%', '%%') : out;
}
