/**
 * What an identity reaches, as an allow pins it: its **targets**. A target is what one hop of a
 * chain obtains credentials for, compared exactly:
 *
 * | hop kind             | target                                                        |
 * |----------------------|---------------------------------------------------------------|
 * | `aws/permission-set` | account id (or, when only a name is given, the account name, lower case) + permission set name |
 * | `aws/assume-role`    | role ARN (it holds the account id)                             |
 * | `aws/user`           | MFA device ARN (the user's keys are stored on this machine, not in the repository) |
 * | `aws/assume-root`    | member account (target_principal) + root task policy           |
 *
 * `aws/ambient` and `ambient` obtain nothing (the environment's own credentials, or none), and a
 * kind atmos-auth leaves to Atmos is never fetched: no target.
 *
 * Providers are no targets: their endpoints are the pins of trust.ts. An allow records the set of
 * targets of every identity under every profile (pins.ts), and which identity reached which (for
 * messages only). The hook refuses a chain with a hop whose target is not in the set; a new
 * identity or stack whose targets are in it passes. An account name is pinned as a name; the id
 * SSO resolves it to the first time is pinned with it (accounts.ts), and a permission set named by
 * that id is then the same target.
 *
 * A new hop kind is one entry of TARGETS (null when it is a provider).
 */
import type { ChainHop } from '../atmos/types.ts';

/** How the hops of one kind reach something. Methods, so each entry may take its own hop type. */
export interface TargetRule<H extends ChainHop = ChainHop> {
  /** What the hop reaches, compared exactly (the target key is [kind, ...parts]). */
  parts(hop: H): string[];
  /** [label, value] pairs for messages, from the parts. */
  shown(parts: string[]): [label: string, value: string][];
}

type Rules = { [K in ChainHop['kind']]: TargetRule<Extract<ChainHop, { kind: K }>> | null };

/** The targets of each hop kind (null: a provider, pinned by trust.ts's PINNED_FIELDS instead). */
export const TARGETS: Rules = {
  'aws/iam-identity-center': null,
  'github/oidc': null,
  'aws/saml': null,
  'aws/permission-set': {
    // principal.account.id wins when set, else principal.account.name is resolved through SSO
    // ListAccounts (Atmos: resolveAccountID, pkg/auth/identities/aws/permission_set.go:381; here
    // fetch-chain.ts). Names are folded to lower case because src/aws/portal.ts matches them so
    // (Atmos compares them exactly, permission_set.go:391): the pin follows what atmos-auth uses.
    parts: (h) => (h.account.id ? ['id', h.account.id, h.permissionSet] : ['name', (h.account.name ?? '').toLowerCase(), h.permissionSet]),
    shown: ([, account = '', ps = '']) => [['account', account], ['permission set', ps]],
  },
  'aws/assume-role': {
    parts: (h) => [h.roleArn],
    shown: ([arn = '']) => [['role', arn]],
  },
  'aws/user': {
    parts: (h) => [h.mfaArn ?? ''],
    shown: ([mfa = '']) => [['MFA device', mfa || '(none)']],
  },
  'aws/assume-root': {
    parts: (h) => [h.targetPrincipal, h.taskPolicyArn],
    shown: ([account = '', policy = '']) => [['root of account', account], ['task policy', policy]],
  },
  'aws/ambient': null,
  ambient: null,
  unsupported: null,
};

/** The rule of a hop's kind (null for providers and unknown kinds). */
export function ruleOf(kind: string): TargetRule | null {
  return Object.hasOwn(TARGETS, kind) ? (TARGETS[kind as ChainHop['kind']] as TargetRule | null) : null;
}

/** The target key of a hop, or null when the hop is a provider. */
export function targetKey(hop: ChainHop): string | null {
  const rule = ruleOf(hop.kind);
  return rule ? JSON.stringify([hop.kind, ...rule.parts(hop)]) : null;
}

/** A target key back as its kind and parts (null when damaged). */
export function decodeTarget(key: string): { kind: string; parts: string[] } | null {
  try {
    const v = JSON.parse(key) as unknown;
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string') || v.length === 0) return null;
    return { kind: v[0] as string, parts: v.slice(1) as string[] };
  } catch {
    return null;
  }
}

/** A target's [label, value] pairs (empty when the key is damaged or of an unknown kind). */
export function shownTarget(key: string): [string, string][] {
  const t = decodeTarget(key);
  const rule = t && ruleOf(t.kind);
  return t && rule ? rule.shown(t.parts) : [];
}

/** `account plat-dev, permission set TerraformApplyAccess`: a target in words. */
export function describeTarget(key: string): string {
  const shown = shownTarget(key);
  return shown.length ? shown.map(([l, v]) => `${l} ${v}`).join(', ') : key;
}
