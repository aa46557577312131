/**
 * The IAM Identity Center portal: role credentials for a permission set on an account, and the
 * accounts a user can see (to turn account names into ids). Portal calls carry the access token as
 * a bearer header and are not SigV4-signed, so the client never looks for AWS credentials.
 */
import { join } from 'node:path';
import type { AwsCredentials } from '../credentials/types.ts';
import { debug } from '../log.ts';
import { paths } from '../paths.ts';
import { readPrivateFile, writePrivateFile } from '../util/secure-file.ts';
import { baseClientConfig, errName, loadPortal, mapCommonError } from './client.ts';
import { AccountNotFoundError, AwsRequestError, NoAssignmentError, TokenRevokedError, type ErrorContext } from './errors.ts';
import { dropSsoToken, type SsoProvider, type SsoToken } from './sso-session.ts';
import { sha1 } from './token-cache.ts';

async function portal(region: string) {
  const mod = await loadPortal();
  return { mod, client: new mod.SSOClient(baseClientConfig(region)) };
}

/** Maps portal errors; an UnauthorizedException also drops the token so the next try logs in. */
function mapPortalError(err: unknown, p: SsoProvider, token: SsoToken, op: string, ctx?: ErrorContext): Error {
  const name = errName(err);
  if (name === 'UnauthorizedException') {
    debug(`sso portal ${op}: token refused (UnauthorizedException), dropping it`);
    dropSsoToken(p, token);
    return new TokenRevokedError(p.name, err);
  }
  if (name === 'ForbiddenException' || name === 'ResourceNotFoundException') return new NoAssignmentError(ctx ?? {}, err);
  return mapCommonError(err, 'sso', op, token.region || p.region);
}

/** GetRoleCredentials for a permission set (role name) on an account. */
export async function getRoleCredentials(p: SsoProvider, token: SsoToken, accountId: string, roleName: string, ctx?: ErrorContext): Promise<AwsCredentials> {
  const { mod, client } = await portal(token.region || p.region);
  debug(`sso GetRoleCredentials ${roleName} on ${accountId} (provider ${p.name})`);
  let out;
  try {
    out = await client.send(new mod.GetRoleCredentialsCommand({ accessToken: token.accessToken, accountId, roleName }));
  } catch (err) {
    throw mapPortalError(err, p, token, 'GetRoleCredentials', { permissionSet: roleName, accountId, ...ctx });
  }
  const rc = out.roleCredentials;
  if (!rc?.accessKeyId || !rc.secretAccessKey) {
    throw new AwsRequestError('the IAM Identity Center portal', 'GetRoleCredentials', 'IncompleteResponse', undefined, 'no credentials in the answer');
  }
  const creds: AwsCredentials = { accessKeyId: rc.accessKeyId, secretAccessKey: rc.secretAccessKey };
  if (rc.sessionToken) creds.sessionToken = rc.sessionToken;
  if (rc.expiration) creds.expiration = new Date(rc.expiration); // epoch milliseconds
  debug(`sso GetRoleCredentials ${roleName} on ${accountId}: valid until ${creds.expiration?.toISOString() ?? '?'}`);
  return creds;
}

export interface SsoAccount {
  accountId: string;
  accountName: string;
}

const ACCOUNTS_TTL_MS = 4 * 3600_000;
const accountsFile = (p: SsoProvider) => join(paths.cache, 'sso', `accounts-${sha1(`${p.startUrl}|${p.region}`)}.json`);

function readAccountsCache(p: SsoProvider): SsoAccount[] | null {
  try {
    const text = readPrivateFile(accountsFile(p));
    if (!text) return null;
    const j = JSON.parse(text) as { fetchedAt?: number; accounts?: SsoAccount[] };
    // A fetchedAt in the future (clock set back, or damage) would keep the list forever: a miss.
    if (typeof j.fetchedAt !== 'number' || Date.now() - j.fetchedAt > ACCOUNTS_TTL_MS || j.fetchedAt > Date.now() + 60_000 || !Array.isArray(j.accounts)) return null;
    // A damaged entry is a miss (fetched again), never a crash in the name lookup.
    if (!j.accounts.every((a) => typeof a?.accountId === 'string' && typeof a.accountName === 'string')) {
      debug('accounts cache malformed: ignored');
      return null;
    }
    return j.accounts;
  } catch (err) {
    debug(`accounts cache unreadable: ${(err as Error).message}`);
    return null;
  }
}

/** Every account the user can see (all pages), cached for 4 hours unless `fresh`. */
export async function listAccounts(p: SsoProvider, token: SsoToken, o: { fresh?: boolean } = {}): Promise<SsoAccount[]> {
  if (!o.fresh) {
    const cached = readAccountsCache(p);
    if (cached) {
      debug(`sso accounts of ${p.name}: cache hit (${cached.length})`);
      return cached;
    }
  }
  const { mod, client } = await portal(token.region || p.region);
  const accounts: SsoAccount[] = [];
  let nextToken: string | undefined;
  let pages = 0;
  do {
    let out;
    try {
      out = await client.send(new mod.ListAccountsCommand({ accessToken: token.accessToken, maxResults: 100, nextToken }));
    } catch (err) {
      throw mapPortalError(err, p, token, 'ListAccounts');
    }
    for (const a of out.accountList ?? []) {
      if (a.accountId) accounts.push({ accountId: a.accountId, accountName: a.accountName ?? a.accountId });
    }
    nextToken = out.nextToken || undefined;
    pages++;
  } while (nextToken && pages < 1000);
  debug(`sso ListAccounts for ${p.name}: ${accounts.length} accounts in ${pages} page(s)`);
  try {
    await writePrivateFile(accountsFile(p), JSON.stringify({ fetchedAt: Date.now(), accounts }));
  } catch (err) {
    debug(`could not cache the account list: ${(err as Error).message}`);
  }
  return accounts;
}

/** Account id for an account name (case-insensitive); refetches once when the cached list lacks it. */
export async function accountIdByName(p: SsoProvider, token: SsoToken, name: string, ctx?: ErrorContext): Promise<string> {
  const find = (list: SsoAccount[]) => list.find((a) => a.accountName.toLowerCase() === name.toLowerCase());
  const cached = readAccountsCache(p);
  let list = cached ?? (await listAccounts(p, token, { fresh: true }));
  let hit = find(list);
  if (!hit && cached) {
    debug(`account ${name} not in the cached list of ${p.name}: fetching again`);
    list = await listAccounts(p, token, { fresh: true });
    hit = find(list);
  }
  if (!hit) throw new AccountNotFoundError(name, list.map((a) => a.accountName).sort(), ctx);
  return hit.accountId;
}

/** Permission sets (role names) the user has on one account (all pages). */
export async function listAccountRoles(p: SsoProvider, token: SsoToken, accountId: string): Promise<string[]> {
  const { mod, client } = await portal(token.region || p.region);
  const roles: string[] = [];
  let nextToken: string | undefined;
  do {
    let out;
    try {
      out = await client.send(new mod.ListAccountRolesCommand({ accessToken: token.accessToken, accountId, maxResults: 100, nextToken }));
    } catch (err) {
      throw mapPortalError(err, p, token, 'ListAccountRoles', { accountId });
    }
    for (const r of out.roleList ?? []) if (r.roleName) roles.push(r.roleName);
    nextToken = out.nextToken || undefined;
  } while (nextToken);
  return roles;
}
