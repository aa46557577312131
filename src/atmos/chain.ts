/**
 * An identity's chain, root provider first: follows `via.identity` hops down to `via.provider`
 * (or an `aws/user` or ambient identity, which needs none). Validates what the chain needs: known
 * kinds (with a did-you-mean for typos), existing `via` targets, no cycles, permission sets with an
 * account, SSO providers with start_url and region, roles with an ARN, AssumeRoot's fields and
 * neighbours. Kinds Atmos has and atmos-auth does not implement become `unsupported` hops (kinds.ts).
 */
import { ConfigError } from '../errors.ts';
import type { AuthConfig, AuthEntry } from './identity.ts';
import { IdentityConfigError, UndefinedIdentityError } from './identity.ts';
import { yamlUserKeys } from './identity-fields.ts';
import { assumeRoleDuration, userSessionDuration } from './durations.ts';
import { UNSUPPORTED_IDENTITY_KINDS, UNSUPPORTED_PROVIDER_KINDS } from './kinds.ts';
import type { ChainHop } from './types.ts';
import { isPlainMap, posOf, type YamlMap } from './yaml.ts';

export const PROVIDER_KINDS = ['aws/iam-identity-center', 'github/oidc', 'aws/saml'] as const;
export const IDENTITY_KINDS = ['aws/permission-set', 'aws/assume-role', 'aws/user', 'aws/assume-root', 'aws/ambient', 'ambient'] as const;

function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0]!;
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j]!;
      dp[j] = Math.min(dp[j]! + 1, dp[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length]!;
}

/** The closest of `options` to `word`, if close enough to be a typo. */
export function didYouMean(word: string, options: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const o of options) {
    const d = editDistance(word.toLowerCase(), o.toLowerCase());
    if (d < bestD) { bestD = d; best = o; }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

/** Parses a Go-style duration (`1h`, `90m`, `1h30m`, `3600s`) or seconds; undefined if absent/invalid. */
export function parseDuration(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v !== 'string' || !v.trim()) return undefined;
  const s = v.trim();
  if (/^\d+$/.test(s)) return Number(s);
  const re = /(\d+(?:\.\d+)?)(h|m|s)/g;
  let total = 0;
  let consumed = 0;
  for (const m of s.matchAll(re)) {
    total += Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1);
    consumed += m[0].length;
  }
  return consumed === s.length ? Math.round(total) : undefined;
}

function str(v: unknown): string | undefined {
  if (typeof v === 'string' && v.trim()) return v.trim();
  if (typeof v === 'number') return String(v);
  return undefined;
}

function kindError(what: 'provider' | 'identity', e: AuthEntry, supported: readonly string[]): ConfigError {
  const kind = str(e.def.kind);
  const guess = kind ? didYouMean(kind, supported) : undefined;
  const msg = kind
    ? `${what} '${e.name}' has unsupported kind '${kind}'${guess ? ` (did you mean '${guess}'?)` : ''}`
    : `${what} '${e.name}' has no kind`;
  return new ConfigError(msg, posOf(e.def, 'kind') ?? posOf(e.def), { hint: `supported ${what} kinds: ${supported.join(', ')}` });
}

function providerHop(p: AuthEntry): ChainHop {
  const d = p.def;
  const kind = str(d.kind);
  const region = str(d.region);
  const where = posOf(d, 'kind') ?? posOf(d);
  switch (kind) {
    case 'aws/iam-identity-center': {
      const startUrl = str(d.start_url);
      if (!startUrl || !region) {
        throw new ConfigError(`provider '${p.name}' (aws/iam-identity-center) needs ${!startUrl ? 'start_url' : 'region'}`, where);
      }
      const hop: ChainHop = { kind, name: p.name, startUrl, region };
      const sd = parseDuration(isPlainMap(d.session) ? d.session.duration : undefined);
      if (sd !== undefined) hop.sessionDuration = sd;
      return hop;
    }
    case 'github/oidc': {
      const spec = isPlainMap(d.spec) ? d.spec : {};
      const hop: ChainHop = { kind, name: p.name, audience: str(spec.audience) ?? 'sts.amazonaws.com' };
      if (region) hop.region = region;
      return hop;
    }
    case 'aws/saml': {
      const hop: ChainHop = { kind, name: p.name };
      if (region) hop.region = region;
      const url = str(d.url);
      if (url) hop.url = url;
      return hop;
    }
    default:
      if (kind && (UNSUPPORTED_PROVIDER_KINDS as readonly string[]).includes(kind)) return { kind: 'unsupported', name: p.name, declaredKind: kind, role: 'provider' };
      throw kindError('provider', p, [...PROVIDER_KINDS, ...UNSUPPORTED_PROVIDER_KINDS]);
  }
}

function identityHop(e: AuthEntry): ChainHop {
  const d = e.def;
  const kind = str(d.kind);
  const principal: YamlMap = isPlainMap(d.principal) ? d.principal : {};
  const where = posOf(d, 'principal') ?? posOf(d, 'kind') ?? posOf(d);
  const sessionDuration = parseDuration(isPlainMap(d.session) ? d.session.duration : undefined);
  switch (kind) {
    case 'aws/permission-set': {
      const permissionSet = str(principal.name);
      const acct = isPlainMap(principal.account) ? principal.account : {};
      const account: { name?: string; id?: string } = {};
      const an = str(acct.name);
      const ai = str(acct.id);
      if (an) account.name = an;
      if (ai) account.id = ai;
      if (!permissionSet) throw new ConfigError(`identity '${e.name}' (aws/permission-set) needs principal.name (the permission set)`, where);
      if (!an && !ai) throw new ConfigError(`identity '${e.name}' (aws/permission-set) needs principal.account.name or principal.account.id`, where);
      const hop: ChainHop = { kind, name: e.name, permissionSet, account };
      const region = str(principal.region);
      if (region) hop.region = region;
      if (sessionDuration !== undefined) hop.sessionDuration = sessionDuration;
      return hop;
    }
    case 'aws/assume-role': {
      const roleArn = str(principal.assume_role);
      if (!roleArn) throw new ConfigError(`identity '${e.name}' (aws/assume-role) needs principal.assume_role (the role ARN)`, where);
      const hop: ChainHop = { kind, name: e.name, roleArn };
      const sn = str(principal.session_name) ?? str(principal.role_session_name);
      if (sn) hop.sessionName = sn;
      const ex = str(principal.external_id);
      if (ex) hop.externalId = ex;
      // Atmos reads only principal.duration here (a Go duration string), never session.duration.
      const du = assumeRoleDuration(e.name, principal.duration);
      if (du !== undefined) hop.duration = du;
      const region = str(principal.region);
      if (region) hop.region = region;
      return hop;
    }
    case 'aws/user': {
      const c = isPlainMap(d.credentials) ? d.credentials : {};
      const hop: ChainHop = { kind, name: e.name };
      const region = str(c.region);
      if (region) hop.region = region;
      const mfa = str(c.mfa_arn);
      if (mfa) hop.mfaArn = mfa;
      hop.sessionDuration = userSessionDuration(e.name, isPlainMap(d.session) ? d.session.duration : undefined, !!mfa);
      const keys = yamlUserKeys(e);
      if (keys) hop.yamlKeys = keys;
      return hop;
    }
    case 'aws/assume-root':
      return assumeRootHop(e, principal, where);
    case 'aws/ambient': {
      const hop: ChainHop = { kind, name: e.name };
      // Atmos reads principal.region only (pkg/auth/identities/aws/ambient.go:211-219).
      const region = str(principal.region);
      if (region) hop.region = region;
      return hop;
    }
    case 'ambient':
      return { kind, name: e.name };
    default:
      if (kind && (UNSUPPORTED_IDENTITY_KINDS as readonly string[]).includes(kind)) return { kind: 'unsupported', name: e.name, declaredKind: kind, role: 'identity' };
      throw kindError('identity', e, [...IDENTITY_KINDS, ...UNSUPPORTED_IDENTITY_KINDS]);
  }
}

/** STS AssumeRoot's limit, in seconds (pkg/auth/identities/aws/assume_root.go:25-26). */
export const MAX_ASSUME_ROOT_SECONDS = 900;
/** Every AWS-managed root task policy starts so (assume_root.go:27-28, checked at :156). */
export const ROOT_TASK_POLICY_PREFIX = 'arn:aws:iam::aws:policy/root-task/';

/**
 * An aws/assume-root identity, validated as Atmos validates it (assume_root.go:85-168):
 * target_principal a 12-digit string, task_policy_arn a root task policy; principal.duration a Go
 * duration string, capped at 900 s, and ignored (Atmos logs a warning) when it does not parse.
 */
function assumeRootHop(e: AuthEntry, principal: YamlMap, where: ReturnType<typeof posOf>): ChainHop {
  const tp = principal.target_principal;
  const tpWhere = posOf(principal, 'target_principal') ?? where;
  if (typeof tp === 'number') {
    // Atmos reads it as a string only (assume_root.go:119): a YAML number is "missing" there.
    throw new ConfigError(`identity '${e.name}' (aws/assume-root): principal.target_principal must be a quoted string ('${tp}'), as Atmos reads it`, tpWhere);
  }
  const target = typeof tp === 'string' ? tp.trim() : '';
  if (!target) throw new ConfigError(`identity '${e.name}' (aws/assume-root) needs principal.target_principal (the 12-digit member account id)`, where);
  if (!/^\d{12}$/.test(target)) throw new ConfigError(`identity '${e.name}' (aws/assume-root): principal.target_principal must be a 12-digit AWS account id, not '${target}'`, tpWhere);
  const policy = str(principal.task_policy_arn);
  if (!policy) {
    throw new ConfigError(`identity '${e.name}' (aws/assume-root) needs principal.task_policy_arn`, where, { hint: `an AWS-managed root task policy, e.g. ${ROOT_TASK_POLICY_PREFIX}IAMAuditRootUserCredentials` });
  }
  if (!policy.startsWith(ROOT_TASK_POLICY_PREFIX)) {
    throw new ConfigError(`identity '${e.name}' (aws/assume-root): principal.task_policy_arn must be an AWS-managed root task policy (${ROOT_TASK_POLICY_PREFIX}...), not '${policy}'`, posOf(principal, 'task_policy_arn') ?? where);
  }
  const hop: ChainHop = { kind: 'aws/assume-root', name: e.name, targetPrincipal: target, taskPolicyArn: policy };
  // time.ParseDuration needs a unit: a bare number (or a YAML int) is not a duration to Atmos (assume_root.go:249-258).
  const raw = principal.duration;
  const seconds = typeof raw === 'string' && /[hms]\s*$/.test(raw) ? parseDuration(raw) : undefined;
  if (seconds !== undefined) hop.duration = Math.min(seconds, MAX_ASSUME_ROOT_SECONDS);
  const region = str(principal.region);
  if (region) hop.region = region;
  return hop;
}

/** Kinds whose hop yields AWS credentials another hop can call STS with. */
const AWS_CREDENTIAL_KINDS: readonly string[] = ['aws/permission-set', 'aws/assume-role', 'aws/assume-root', 'aws/user', 'aws/ambient', 'aws/saml'];

/**
 * What the new kinds need of their neighbours, as Atmos enforces at run time: AssumeRoot is called
 * with AWS credentials (assume_root.go:179-190: not an SSO token, not an OIDC token), and nothing
 * can be chained from a generic `ambient` identity, which yields no credentials at all
 * (identities/ambient/ambient.go:64-71, 123-127; manager_chain.go:407-409 then fails the chain).
 */
function checkNeighbours(hops: ChainHop[], auth: AuthConfig): void {
  for (let i = 1; i < hops.length; i++) {
    const hop = hops[i]!;
    const prev = hops[i - 1]!;
    const def = auth.identities.get(hop.name.toLowerCase())?.def;
    const at = def ? posOf(def, 'via') ?? posOf(def) : undefined;
    if (prev.kind === 'ambient') {
      throw new ConfigError(`identity '${hop.name}' goes via identity '${prev.name}' (kind ambient), which yields no credentials to chain from`, at, {
        hint: `use kind aws/ambient for '${prev.name}' to start a chain from the environment's AWS credentials`,
      });
    }
    if (hop.kind === 'aws/assume-root' && !AWS_CREDENTIAL_KINDS.includes(prev.kind) && prev.kind !== 'unsupported') {
      throw new ConfigError(`identity '${hop.name}' (aws/assume-root) needs AWS credentials to call AssumeRoot with, and '${prev.name}' (${prev.kind}) gives none`, at, {
        hint: 'chain it via an identity of the management account or a delegated administrator (via: {identity: ...}), e.g. a permission set',
      });
    }
  }
}

/**
 * An identity without `via`. A top-level `provider:` (written by Atmos's provisioning next to
 * `via.provider`: pkg/auth/providers/aws/sso_provisioning.go:143-145) does not make a chain: Atmos
 * builds chains from `via` only and rejects an identity without it (pkg/auth/manager_chain.go:731-745).
 */
function missingVia(cur: AuthEntry): ConfigError {
  const p = str(cur.def.provider);
  return new ConfigError(`identity '${cur.name}' needs via.provider or via.identity`, posOf(cur.def, 'kind') ?? posOf(cur.def), p ? {
    hint: `its provider: ${p} is informational; Atmos (like atmos-auth) builds the chain from via: add via: {provider: ${p}}`,
  } : undefined);
}

/** The chain of `identity` (a defined name, any case): root provider first, the identity last. */
export function buildChain(identity: string, auth: AuthConfig): ChainHop[] {
  const hops: ChainHop[] = [];
  const seen: string[] = [];
  let cur = auth.identities.get(identity.toLowerCase());
  if (!cur) throw new UndefinedIdentityError(identity, 'was asked for');
  for (;;) {
    if (seen.includes(cur.name.toLowerCase())) {
      throw new ConfigError(`identity chain cycle: ${[...seen.map((s) => auth.identities.get(s)!.name), cur.name].join(' -> ')}`, posOf(cur.def, 'via'));
    }
    seen.push(cur.name.toLowerCase());
    hops.unshift(identityHop(cur));
    const via = cur.def.via;
    if (cur.def.kind === 'aws/user' && !isPlainMap(via)) break;
    if (standsAlone(cur, via)) break;
    if (!isPlainMap(via)) throw missingVia(cur);
    const vp = str(via.provider);
    const vi = str(via.identity);
    if (vp) {
      const p = auth.providers.get(vp.toLowerCase());
      if (!p) {
        const guess = didYouMean(vp, [...auth.providers.values()].map((x) => x.name));
        throw new IdentityConfigError(`identity '${cur.name}' uses provider '${vp}', which is not defined${guess ? ` (did you mean '${guess}'?)` : ''}`, posOf(via, 'provider'), {
          hint: `defined providers: ${[...auth.providers.values()].map((x) => x.name).join(', ') || '(none)'}`,
        });
      }
      hops.unshift(providerHop(p));
      break;
    }
    if (vi) {
      const next = auth.identities.get(vi.toLowerCase());
      if (!next) {
        const guess = didYouMean(vi, [...auth.identities.values()].map((x) => x.name));
        throw new IdentityConfigError(`identity '${cur.name}' goes via identity '${vi}', which is not defined${guess ? ` (did you mean '${guess}'?)` : ''}`, posOf(via, 'identity'));
      }
      cur = next;
      continue;
    }
    throw new ConfigError(`identity '${cur.name}' needs via.provider or via.identity`, posOf(via) ?? posOf(cur.def));
  }
  checkNeighbours(hops, auth);
  return hops;
}

/**
 * True for an identity that is a chain root without `via`: the ambient kinds (which must not have
 * one: identities/aws/ambient.go:43-45, identities/ambient/ambient.go:37-39) and the kinds atmos-auth
 * only names (Atmos's emulator kinds are roots too: pkg/auth/types/standalone.go:28-35).
 */
function standsAlone(e: AuthEntry, via: unknown): boolean {
  const kind = str(e.def.kind);
  if (kind === 'aws/ambient' || kind === 'ambient') {
    if (via !== undefined && via !== null) throw new ConfigError(`identity '${e.name}' (${kind}) must not define via: it is the environment's own credentials`, posOf(e.def, 'via') ?? posOf(e.def));
    return true;
  }
  return via === undefined && kind !== undefined && (UNSUPPORTED_IDENTITY_KINDS as readonly string[]).includes(kind);
}
