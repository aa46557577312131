/**
 * `atmos-auth login`: signs in to the SSO provider of an identity (or a named provider) and, for an
 * identity, fetches its credentials into the cache. Reuses a valid session unless --force.
 */
import { AtmosAuthError } from '../errors.ts';
import { fmtLeft, getCredentials } from '../credentials/get-credentials.ts';
import { findSsoProvider, resolveTarget, ssoProviderOf } from '../credentials/target.ts';
import { rfc3339 } from '../shell/env.ts';
import { secondsLeft } from '../credentials/cache.ts';
import { noticeUntrusted } from '../trust/trust.ts';

export interface LoginArgs {
  identity?: string;
  provider?: string;
  dir?: string;
  profile?: string;
  deviceCode?: boolean;
  force?: boolean;
}

export async function run(a: LoginArgs): Promise<number> {
  const login = a.force ? 'always' : 'if-needed';
  if (a.provider) {
    const p = await findSsoProvider(a.provider, a);
    if (!p) {
      throw new AtmosAuthError(`no IAM Identity Center provider named ${a.provider} in the active configuration`, {
        hint: 'run it inside the repository (with the right ATMOS_PROFILE), or log in with --identity NAME',
      });
    }
    process.stderr.write(`atmos-auth: signing in to ${p.name} at ${p.startUrl} (${p.region})\n`);
    const { getSsoToken } = await import('../aws/sso-session.ts');
    const t = await getSsoToken(ssoProviderOf(p), { login, ...(a.deviceCode ? { deviceCode: true } : {}), stderr: process.stderr });
    const left = Math.floor((t.expiresAt.getTime() - Date.now()) / 1000);
    process.stdout.write(`${p.name}: signed in, session valid until ${rfc3339(t.expiresAt)} (${fmtLeft(left)} left)\n`);
    return 0;
  }
  const res = await resolveTarget(a);
  noticeUntrusted(res);
  const root = res.chain[0];
  if (root?.kind === 'aws/iam-identity-center') process.stderr.write(`atmos-auth: ${res.identity} signs in through ${root.name} at ${root.startUrl} (${root.region})\n`);
  const r = await getCredentials(res, { login, ...(a.force ? { ignoreCache: true } : {}), ...(a.deviceCode ? { deviceCode: true } : {}), stderr: process.stderr });
  const exp = r.credentials.expiration;
  process.stdout.write(`${res.identity}: credentials ${r.fromCache ? 'already cached' : 'fetched'}${exp ? `, valid until ${rfc3339(exp)} (${fmtLeft(secondsLeft(r.credentials))} left)` : ''}\n`);
  return 0;
}
