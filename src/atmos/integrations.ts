/**
 * `auth.integrations`: what an identity's credentials are turned into besides AWS variables, as
 * Atmos reads them (cloudposse/atmos pkg/schema/schema_auth.go:152-240: Integration {kind, via
 * {identity | provider}, spec {auto_provision, registry, cluster}}). atmos-auth acts on two kinds:
 * `aws/eks` (spec.cluster: name and region required, alias, kubeconfig {path, mode, update};
 * validated as pkg/auth/integrations/aws/eks.go:38-95 NewEKSIntegration does) and `aws/ecr`
 * (spec.registry: account_id and region). Others are listed as not handled. Offline, no network.
 */
import { ConfigError } from '../errors.ts';
import { getPath } from './merge.ts';
import { isPlainMap, posOf, type YamlMap } from './yaml.ts';

/** An aws/eks integration of an identity. */
export interface EksIntegration {
  kind: 'aws/eks';
  name: string;
  cluster: string;
  region: string;
  /** Context name; default the cluster ARN (as Atmos). */
  alias?: string;
}

/** An aws/ecr integration of an identity. */
export interface EcrIntegration {
  kind: 'aws/ecr';
  name: string;
  accountId: string;
  region: string;
}

/** An integration of a kind atmos-auth does not act on (shown, never an error). */
export interface OtherIntegration {
  kind: 'other';
  name: string;
  /** The kind as written. */
  declared: string;
}

export type Integration = EksIntegration | EcrIntegration | OtherIntegration;

const str = (v: unknown): string => (typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : '');

/**
 * The integrations linked to `identity` (via.identity, any case) in a merged configuration,
 * sorted by name. An aws/eks or aws/ecr entry that lacks what it needs is a ConfigError naming it.
 * `auto_provision: false` entries are skipped: Atmos provisions them only when asked.
 */
export function integrationsOf(config: YamlMap, identity: string): Integration[] {
  const section = getPath(config, 'auth', 'integrations');
  if (!isPlainMap(section)) return [];
  const want = identity.toLowerCase();
  const out: Integration[] = [];
  for (const [name, def] of Object.entries(section)) {
    if (!isPlainMap(def)) continue;
    const via = isPlainMap(def.via) ? def.via : {};
    if (str(via.identity).toLowerCase() !== want) continue;
    const spec = isPlainMap(def.spec) ? def.spec : {};
    if (spec.auto_provision === false) continue;
    const kind = str(def.kind);
    const where = posOf(def, 'kind') ?? posOf(section, name);
    if (kind === 'aws/eks') {
      const c = isPlainMap(spec.cluster) ? spec.cluster : {};
      const cluster = str(c.name);
      const region = str(c.region);
      if (!cluster) throw new ConfigError(`integration '${name}' (aws/eks) has no spec.cluster.name`, where);
      if (!region) throw new ConfigError(`integration '${name}' (aws/eks) has no spec.cluster.region`, where);
      const kc = isPlainMap(c.kubeconfig) ? c.kubeconfig : {};
      if (kc.mode !== undefined && !/^0?[0-7]{3,4}$/.test(str(kc.mode))) throw new ConfigError(`integration '${name}' has an invalid kubeconfig mode '${str(kc.mode)}' (octal, e.g. "0600")`, posOf(kc, 'mode') ?? where);
      if (kc.update !== undefined && !['merge', 'replace', 'error'].includes(str(kc.update))) {
        throw new ConfigError(`integration '${name}' has an invalid kubeconfig update mode '${str(kc.update)}' (merge, replace or error)`, posOf(kc, 'update') ?? where);
      }
      const alias = str(c.alias);
      out.push({ kind: 'aws/eks', name, cluster, region, ...(alias ? { alias } : {}) });
    } else if (kind === 'aws/ecr') {
      const r = isPlainMap(spec.registry) ? spec.registry : {};
      const accountId = str(r.account_id);
      const region = str(r.region);
      if (!/^\d{12}$/.test(accountId)) throw new ConfigError(`integration '${name}' (aws/ecr) needs spec.registry.account_id, a 12-digit account id`, posOf(r, 'account_id') ?? where);
      if (!region) throw new ConfigError(`integration '${name}' (aws/ecr) has no spec.registry.region`, where);
      out.push({ kind: 'aws/ecr', name, accountId, region });
    } else {
      out.push({ kind: 'other', name, declared: kind || '(no kind)' });
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}
