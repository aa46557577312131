/**
 * `atmos-auth logout`: signs out of SSO (portal Logout, the token removed from the AWS CLI's and
 * Atmos's caches), removes the provider's provisioned identities as Atmos's logout does, and
 * deletes the credentials atmos-auth cached. `--identity` only drops that identity's cached
 * credentials.
 */
import { AtmosAuthError } from '../errors.ts';
import { listCached, removeCached, type CacheEntry } from '../credentials/cache.ts';
import { findSsoProvider, resolveTarget, ssoProviderOf, type SsoHop } from '../credentials/target.ts';
import { debug } from '../log.ts';

export interface LogoutArgs {
  identity?: string;
  provider?: string;
  all?: boolean;
  dir?: string;
  profile?: string;
}

const ssoKey = (h: SsoHop) => `${h.startUrl} ${h.region}`;

function rootSso(e: CacheEntry): SsoHop | undefined {
  const r = e.chain[0];
  return r?.kind === 'aws/iam-identity-center' ? r : undefined;
}

export async function run(a: LogoutArgs): Promise<number> {
  const entries = listCached();
  const providers = new Map<string, SsoHop>();
  let drop: CacheEntry[] = [];
  const out: string[] = [];

  if (a.all) {
    drop = entries;
    for (const e of entries) { const r = rootSso(e); if (r) providers.set(ssoKey(r), r); }
    try {
      const res = await resolveTarget(a);
      const r = res.chain[0];
      if (r?.kind === 'aws/iam-identity-center') providers.set(ssoKey(r), r);
    } catch (err) {
      debug(`logout --all: this directory does not resolve: ${(err as Error).message}`);
    }
  } else if (a.identity) {
    const want = a.identity.toLowerCase();
    drop = entries.filter((e) => e.chain[e.chain.length - 1]?.name.toLowerCase() === want || e.identity.toLowerCase() === want);
  } else {
    let p: SsoHop | null = null;
    if (a.provider) {
      p = await findSsoProvider(a.provider, a);
      if (!p) throw new AtmosAuthError(`no IAM Identity Center provider named ${a.provider} is configured or cached`, { hint: 'use --all to sign out of everything' });
    } else {
      const res = await resolveTarget(a);
      const r = res.chain[0];
      if (r?.kind !== 'aws/iam-identity-center') {
        throw new AtmosAuthError(`the identity of this directory (${res.identity ?? 'none'}) does not use an SSO provider`, { hint: 'name one: --identity I, --provider P, or --all' });
      }
      p = r;
    }
    providers.set(ssoKey(p), p);
    drop = entries.filter((e) => { const r = rootSso(e); return r && ssoKey(r) === ssoKey(p); });
  }

  let failed = 0;
  if (providers.size) {
    const { ssoLogout } = await import('../aws/sso-session.ts');
    const { removeProvisioned } = await import('../aws/provisioning.ts');
    for (const p of providers.values()) {
      try {
        await ssoLogout(ssoProviderOf(p));
        out.push(`signed out of ${p.name} (${p.startUrl})`);
        // Atmos removes the provider's provisioned identities on logout (pkg/auth/manager_logout.go:331-335 provider logout, :385-389 logout --all).
        if (removeProvisioned(p.name)) out.push(`removed the identities provisioned for ${p.name}`);
      } catch (err) {
        failed++;
        process.stderr.write(`atmos-auth: ${p.name}: ${err instanceof AtmosAuthError ? err.render() : (err as Error).message}\n`);
      }
    }
  }
  for (const e of drop) {
    if (removeCached(e.key)) debug(`removed cached credentials of ${e.identity} (${e.key.slice(0, 12)})`);
  }
  const names = [...new Set(drop.map((e) => e.identity))];
  out.push(names.length ? `removed cached credentials: ${names.join(', ')}` : 'no cached credentials to remove');
  process.stdout.write(`${out.join('\n')}\n`);
  return failed ? 1 : 0;
}
