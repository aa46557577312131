/**
 * `atmos-auth login`: signs in to the SSO provider of an identity (or a named provider) and, for an
 * identity, fetches its credentials into the cache. Reuses a valid session unless --force. For a
 * provider with `auto_provision_identities: true` it then provisions identities as Atmos does
 * (src/aws/provisioning.ts); only here, not in the hook's implicit sign-ins, whose time is bounded.
 */
import { resolve as resolvePath } from 'node:path';
import { AtmosAuthError } from '../errors.ts';
import { fmtLeft, getCredentials } from '../credentials/get-credentials.ts';
import { findSsoProvider, resolveTarget, ssoProviderOf, type SsoHop } from '../credentials/target.ts';
import { debug } from '../log.ts';
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
    await share(p);
    await provisionIfAsked(p, a);
    return 0;
  }
  const res = await resolveTarget(a);
  noticeUntrusted(res);
  const root = res.chain[0];
  if (root?.kind === 'aws/iam-identity-center') process.stderr.write(`atmos-auth: ${res.identity} signs in through ${root.name} at ${root.startUrl} (${root.region})\n`);
  const r = await getCredentials(res, { login, ...(a.force ? { ignoreCache: true } : {}), ...(a.deviceCode ? { deviceCode: true } : {}), stderr: process.stderr });
  const exp = r.credentials.expiration;
  process.stdout.write(`${res.identity}: credentials ${r.fromCache ? 'already cached' : 'fetched'}${exp ? `, valid until ${rfc3339(exp)} (${fmtLeft(secondsLeft(r.credentials))} left)` : ''}\n`);
  if (root?.kind === 'aws/iam-identity-center') {
    await share(root);
    await provisionIfAsked(root, a);
  }
  return 0;
}

/**
 * A session reused from one cache (`aws sso login`, a botocore refresh, Atmos's own sign-in) is
 * copied into the others, so `atmos-auth login` leaves every tool signed in. Best effort.
 */
async function share(h: SsoHop): Promise<void> {
  try {
    const { shareSsoToken } = await import('../aws/sso-session.ts');
    await shareSsoToken(ssoProviderOf(h));
  } catch (err) {
    debug(`login: could not share the session of ${h.name}: ${(err as Error).message}`);
  }
}

/** True when the active configuration sets `auto_provision_identities: true` on this provider. */
async function autoProvisions(h: SsoHop, a: LoginArgs): Promise<boolean> {
  const { resolveContext } = await import('../atmos/resolve.ts');
  const env = { ...process.env };
  delete env.ATMOS_IDENTITY;
  try {
    const ctx = resolveContext({ dir: resolvePath(a.dir ?? process.cwd()), ...(a.profile ? { profile: a.profile } : {}), env });
    const v = ctx.auth.providers.get(h.name.toLowerCase())?.def.auto_provision_identities;
    // Atmos's *bool (schema.Provider.AutoProvisionIdentities): only true turns it on.
    return v === true || v === 'true';
  } catch (err) {
    debug(`login: no provider config for ${h.name} here: ${(err as Error).message}`);
    return false;
  }
}

/**
 * Provisions the identities of a provider that asks for it, with the session just signed in to. A
 * failure is a warning, not a failed login (Atmos: manager_chain.go:519-523 logs and goes on).
 */
async function provisionIfAsked(h: SsoHop, a: LoginArgs): Promise<void> {
  if (!(await autoProvisions(h, a))) return;
  try {
    const { getSsoToken } = await import('../aws/sso-session.ts');
    const { provisionIdentities } = await import('../aws/provisioning.ts');
    const p = ssoProviderOf(h);
    const token = await getSsoToken(p, { login: 'never' });
    const r = await provisionIdentities(p, token);
    if (r) process.stderr.write(`atmos-auth: ${h.name}: provisioned ${r.identities.size} identities (${r.accounts} accounts) into ${r.file}\n`);
    else process.stderr.write(`atmos-auth: ${h.name}: no accounts or roles to provision\n`);
  } catch (err) {
    process.stderr.write(`atmos-auth: warning: ${h.name}: could not provision identities: ${err instanceof AtmosAuthError ? err.render() : (err as Error).message}\n`);
  }
}
