/**
 * "Account names resolved through SSO count once resolved": an allow pins a permission set's
 * account by name when the configuration names it so (targets.ts); the id SSO's ListAccounts
 * resolves that name to the first time after the allow is pinned with it, in the allow record,
 * under the trust lock. A later answer with another id for the same name (under the same start
 * URL) stops the hook before any credentials of that account are fetched; the answer is kept as
 * pending, and the next `atmos-auth allow` shows and accepts it.
 *
 * Called by the credentials fetch (fetch-chain.ts, through GetCredentialsOptions.onAccountId) for
 * the hook's `export` only: never on the warm path (the resolution is already SSO-resolved there).
 */
import type { ChainHop, Resolution } from '../atmos/types.ts';
import { debug } from '../log.ts';
import { withLock } from '../util/lock.ts';
import { dict, own, readRecord, repoKey, writeRecord } from './record.ts';
import { shown, untrusted, type UntrustedRepositoryError } from './trust.ts';

/** Pins (or checks) what SSO resolved the account name of `hop` to; throws UntrustedRepositoryError on a change. */
export async function pinAccountId(res: Resolution, hop: Extract<ChainHop, { kind: 'aws/permission-set' }>, accountId: string): Promise<void> {
  const sso = res.chain[0];
  if (!res.root || sso?.kind !== 'aws/iam-identity-center' || hop.account.id || !hop.account.name) return;
  const name = hop.account.name.toLowerCase();
  const url = sso.startUrl;
  const root = repoKey(res.root);
  let refusal: UntrustedRepositoryError | null = null;
  await withLock('trust', async () => {
    const rec = readRecord(root);
    if (!rec) {
      // Denied since the check: fail closed.
      refusal = untrusted({ root, why: 'not-allowed', detail: `${shown(root)} is not allowed` });
      return;
    }
    const was = own(own(rec.accounts, url) ?? {}, name);
    if (was === accountId) return;
    const who = `identity ${shown(hop.name)}${res.identity && res.identity !== hop.name ? ` (in the chain of ${shown(res.identity)})` : ''}`;
    if (was === undefined) {
      (rec.accounts[url] ??= dict())[name] = accountId;
      await writeRecord(rec);
      debug(`trust: account ${name} of ${url} resolved to ${accountId}: pinned for ${root}`);
      return;
    }
    (rec.pendingAccounts[url] ??= dict())[name] = accountId;
    await writeRecord(rec);
    refusal = untrusted({ root, why: 'changed', detail: `${shown(root)}: ${who}: account ${shown(name)} now resolves to ${shown(accountId)} through SSO (${shown(sso.name)}), it resolved to ${shown(was)} since you allowed it` });
  });
  if (refusal) throw refusal;
}
