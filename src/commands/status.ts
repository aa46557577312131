/**
 * `atmos-auth status`: offline; the SSO sessions and cached role credentials on this machine, with
 * the time they have left and where each session is kept (the AWS CLI's and Atmos's caches, and
 * the identities provisioned for the provider), where IAM user keys are kept (keychain or file
 * store), and the integrations of the directory's identity. Never a secret, never a network call
 * (the keychain is asked over the local session bus only).
 */
import { existsSync } from 'node:fs';
import { provisionedFile } from '../atmos/provisioned.ts';
import type { ChainHop } from '../atmos/types.ts';
import type { SsoProvider } from '../aws/sso-session.ts';
import { listCached, secondsLeft } from '../credentials/cache.ts';
import { fmtLeft } from '../credentials/get-credentials.ts';
import { integrationStates, type IntegrationState } from '../credentials/integrations.ts';
import { resolveTarget } from '../credentials/target.ts';
import { debug } from '../log.ts';
import { rfc3339 } from '../shell/env.ts';

export interface StatusArgs {
  dir?: string;
  profile?: string;
  json?: boolean;
}

type SsoHop = Extract<ChainHop, { kind: 'aws/iam-identity-center' }>;

export async function run(a: StatusArgs): Promise<number> {
  const now = Date.now();
  const entries = listCached();
  let current: { identity: string | null; profiles: string[]; stacks: string[]; root: string | null; integrations: IntegrationState[] } | null = null;
  let scope: { root: string | null; profiles: string[] } | undefined;
  const providers = new Map<string, SsoHop>();
  try {
    const res = await resolveTarget(a);
    current = { identity: res.identity, profiles: res.profiles, stacks: res.stacks, root: res.root, integrations: integrationStates(res) };
    scope = res;
    const root = res.chain[0];
    if (root?.kind === 'aws/iam-identity-center') providers.set(`${root.startUrl} ${root.region}`, root);
  } catch (err) {
    debug(`status: this directory does not resolve: ${(err as Error).message}`);
  }
  for (const e of entries) {
    const root = e.chain[0];
    if (root?.kind === 'aws/iam-identity-center') providers.set(`${root.startUrl} ${root.region}`, root);
  }
  const { peekSsoCaches, peekSsoToken } = await import('../aws/sso-session.ts');
  const sessions = [];
  for (const p of providers.values()) {
    const sp: SsoProvider = { name: p.name, startUrl: p.startUrl, region: p.region, ...(p.sessionDuration ? { sessionDuration: p.sessionDuration } : {}) };
    const t = await peekSsoToken(sp);
    const left = t ? Math.floor((t.expiresAt.getTime() - now) / 1000) : null;
    const caches = peekSsoCaches(sp).map((c) => ({ tool: c.source === 'atmos-cache' ? 'atmos' : 'aws-cli', file: c.file, expiresAt: rfc3339(c.expiresAt), refreshable: c.refreshable }));
    const pf = provisionedFile(process.env, p.name);
    sessions.push({
      provider: p.name, startUrl: p.startUrl, region: p.region, expiresAt: t ? rfc3339(t.expiresAt) : null, secondsLeft: left, refreshable: t?.refreshable ?? false,
      caches, provisionedIdentities: existsSync(pf) ? pf : null,
    });
  }
  const credentials = entries.map((e) => {
    const left = secondsLeft(e.credentials, now);
    return {
      identity: e.identity,
      profiles: e.profiles,
      chain: e.chain.map((h) => h.name),
      expiresAt: e.credentials.expiration ? rfc3339(e.credentials.expiration) : null,
      secondsLeft: left === Infinity ? null : left,
    };
  });
  // Where `user configure` keeps aws/user keys for this configuration (a local D-Bus probe, bounded).
  const { userStoreInfo } = await import('../credentials/user-store.ts');
  let userKeys: { store: string; detail: string; realm: string; keyringType: string } | null = null;
  try {
    const info = await userStoreInfo(scope);
    userKeys = { store: info.store, detail: info.detail, realm: info.settings.realm, keyringType: info.settings.type };
  } catch (err) {
    debug(`status: user key store: ${(err as Error).message}`);
  }
  if (a.json) {
    process.stdout.write(`${JSON.stringify({ current, sessions, credentials, userKeys }, null, 2)}\n`);
    return 0;
  }
  const out: string[] = [];
  if (current) out.push(`here: ${current.identity ?? '(no identity)'}${current.profiles.length ? ` (profile ${current.profiles.join(',')})` : ''}`);
  for (const i of current?.integrations ?? []) out.push(`  ${i.kind}: ${i.name}${i.target ? ` ${i.target}` : ''}: ${i.state}`);
  out.push('SSO sessions:');
  if (!sessions.length) out.push('  (none)');
  for (const s of sessions) {
    const state = s.secondsLeft === null ? 'not logged in' : s.secondsLeft > 0 ? `${fmtLeft(s.secondsLeft)} left` : s.refreshable ? 'expired (refreshable)' : 'expired';
    out.push(`  ${s.provider}  ${s.startUrl}  ${state}`);
    for (const c of s.caches) out.push(`    ${c.tool === 'atmos' ? 'Atmos  ' : 'AWS CLI'}  ${c.file}`);
    if (s.provisionedIdentities) out.push(`    provisioned identities: ${s.provisionedIdentities}`);
  }
  out.push('Cached credentials:');
  if (!credentials.length) out.push('  (none)');
  for (const c of credentials) {
    out.push(`  ${c.identity}${c.profiles.length ? ` [${c.profiles.join(',')}]` : ''}  ${c.secondsLeft === null ? 'no expiry' : fmtLeft(c.secondsLeft) + (c.secondsLeft > 0 ? ' left' : '')}`);
  }
  out.push(`IAM user keys: ${userKeys ? userKeys.detail : '(unknown: see ATMOS_LOGS_LEVEL=debug)'}`);
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}
