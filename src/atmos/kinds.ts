/**
 * The identity and provider kinds Atmos has, split into those atmos-auth fetches credentials for
 * and those it only names (resolve, list) and hands back to Atmos. Nothing but errors.ts and types:
 * export.ts reads this on the warm path (dist/hot.js), where chain.ts (and its YAML code) must not
 * be loaded.
 *
 * Atmos's complete lists (cloudposse/atmos 0a1cb44): providers in pkg/auth/factory/factory.go:104-127
 * plus gcp/adc and gcp/workload-identity-federation (pkg/auth/factory/gcp_providers.go:19,35);
 * identities in factory.go:153-179 plus gcp/service-account, gcp/project
 * (factory/gcp_identities.go:18,34) and the emulator kinds (pkg/auth/types/constants.go:31-49,
 * registered by factory/emulator_identities.go:15). `gcp/oidc` is a constant (constants.go:21) that
 * no factory registers, so Atmos itself refuses it: it is not listed here either.
 */
import { AtmosAuthError } from '../errors.ts';
import type { ChainHop, Resolution } from './types.ts';

/** Provider kinds Atmos accepts and atmos-auth does not implement (aws/saml has a hop of its own). */
export const UNSUPPORTED_PROVIDER_KINDS = [
  'azure/cli', 'azure/device-code', 'azure/interactive', 'azure/oidc',
  'gcp/adc', 'gcp/workload-identity-federation',
  'atmos/pro', 'mock', 'mock/aws',
] as const;

/** Identity kinds Atmos accepts and atmos-auth does not implement. */
export const UNSUPPORTED_IDENTITY_KINDS = [
  'azure/subscription', 'gcp/service-account', 'gcp/project', 'atmos/pro',
  'aws/emulator', 'gcp/emulator', 'azure/emulator', 'kubernetes/emulator',
  'mock', 'mock/aws',
] as const;

/** Exit status of `export` for an identity of a kind atmos-auth does not implement (stdout empty). */
export const UNSUPPORTED_KIND_EXIT = 4;

/** The kind a hop was written with (an unsupported hop keeps the one from the YAML). */
export function kindOf(hop: ChainHop): string {
  return hop.kind === 'unsupported' ? hop.declaredKind : hop.kind;
}

/**
 * The hop of `chain` nearest the identity that atmos-auth cannot fetch credentials through. One
 * such hop anywhere makes the whole chain Atmos's business: the identity's credentials depend on it.
 */
export function unsupportedHop(chain: readonly ChainHop[]): ChainHop | undefined {
  return chain.findLast((h) => h.kind === 'unsupported' || h.kind === 'aws/saml');
}

/**
 * True when the chain starts from the environment's own credentials (aws/ambient; ambient, which
 * can only stand alone, has none at all). Such chains are never cached: Atmos reads an aws/ambient
 * root afresh on every run (identities/aws/ambient.go:204-209, its LoadCredentials is the default
 * chain), always redoes the chain's last step (pkg/auth/manager_chain.go:187-199), and keeps
 * nothing of chains whose root is ambient (manager_chain.go:110-128, 157-163): the environment's
 * principal may change at any time.
 */
export function fromAmbient(chain: readonly ChainHop[]): boolean {
  const k = chain[0]?.kind;
  return k === 'aws/ambient' || k === 'ambient';
}

/** What to run instead, in Atmos, for `identity` (whose chain has an unsupported hop). */
export function atmosInstead(identity: string): string {
  const id = /^[A-Za-z0-9_./@%+=:,-]+$/.test(identity) ? identity : `'${identity.replaceAll("'", `'\\''`)}'`;
  return `atmos auth exec -i ${id} -- <command>, or atmos auth shell -i ${id}`;
}

/** An identity whose chain has a kind only Atmos handles: export and exec do nothing (exit 4). */
export class UnsupportedKindError extends AtmosAuthError {
  override readonly exitCode: number = UNSUPPORTED_KIND_EXIT;
}

/** The UnsupportedKindError for `res`, or null when atmos-auth handles its whole chain. */
export function unsupportedKindError(res: Resolution): UnsupportedKindError | null {
  const odd = unsupportedHop(res.chain);
  if (!odd || !res.identity) return null;
  return new UnsupportedKindError(`identity ${res.identity} uses ${kindOf(odd)} (${odd.name}), which atmos-auth does not implement: nothing exported`, {
    hint: `use ${atmosInstead(res.identity)}`,
  });
}

/** True for a standalone ambient identity: nothing to fetch, the environment keeps its own. */
export function isStandaloneAmbient(res: Resolution): boolean {
  return res.chain.length === 1 && fromAmbient(res.chain);
}
