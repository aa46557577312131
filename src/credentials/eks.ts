/**
 * kubectl follows the identity: one kubeconfig per identity (0600, written atomically), holding a
 * context per aws/eks integration of that identity, whose user runs `atmos-auth eks token`. The
 * cluster's endpoint and CA come from DescribeCluster and are kept beside the credentials they were
 * fetched with (valid as long as those are); the bearer tokens are kept until a minute before their
 * end, so kubectl's exec call is a file read. Nothing here opens a browser.
 */
import { join } from 'node:path';
import type { EksIntegration } from '../atmos/integrations.ts';
import type { Resolution } from '../atmos/types.ts';
import type { EksCluster } from '../aws/eks.ts';
import { debug } from '../log.ts';
import { paths } from '../paths.ts';
import { readPrivateFile, writePrivateFileSync } from '../util/secure-file.ts';
import { selfCommand } from '../shell/scripts.ts';
import { sha256Hex } from '../util/sha256.ts';
import { chainKey } from './cache.ts';
import type { AwsCredentials } from './types.ts';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function cacheFile(kind: 'clusters' | 'tokens', res: Resolution, cluster: string, region: string): string {
  return join(paths.cache, 'eks', kind, `${sha256Hex(JSON.stringify([chainKey(res.chain, res.profiles), cluster, region])).slice(0, 40)}.json`);
}

function readJson(file: string): Record<string, unknown> | null {
  try {
    const text = readPrivateFile(file);
    if (text === null) return null;
    const v: unknown = JSON.parse(text);
    return isObj(v) ? v : null;
  } catch (err) {
    debug(`eks: ignoring unreadable ${file} (${(err as Error).message})`);
    return null;
  }
}

/** The cluster as DescribeCluster answered for these credentials; cached while they are valid. */
export async function clusterOf(res: Resolution, creds: AwsCredentials, i: EksIntegration): Promise<EksCluster> {
  const file = cacheFile('clusters', res, i.cluster, i.region);
  const hit = readJson(file);
  const c = hit && isObj(hit.cluster) ? hit.cluster : null;
  if (hit && c && hit.accessKeyId === creds.accessKeyId && typeof c.endpoint === 'string' && typeof c.arn === 'string' && typeof c.certificateAuthority === 'string') {
    debug(`eks: cluster ${i.cluster} (${i.region}) from the cache`);
    return { name: i.cluster, region: i.region, arn: c.arn, endpoint: c.endpoint, certificateAuthority: c.certificateAuthority };
  }
  const { describeCluster } = await import('../aws/eks.ts');
  const fresh = await describeCluster(creds, i.cluster, i.region, res.identity ?? '').catch(async (err: unknown) => {
    throw await (await import('./denied.ts')).explainDenied(err, res);
  });
  writePrivateFileSync(file, JSON.stringify({ accessKeyId: creds.accessKeyId, cluster: fresh }));
  return fresh;
}

/**
 * The stack's cluster among an identity's aws/eks integrations (kubeconfig's current context):
 * the one in the stack's region, else the first by name. (Here, not in src/atmos/integrations.ts,
 * which brings the YAML code: the hook's warm path calls this.)
 */
export function currentEks(eks: readonly EksIntegration[], region: string | null): EksIntegration | undefined {
  return eks.find((i) => i.region === region) ?? eks[0];
}

/** A bearer token for kubectl: cached until a minute before its end (or the credentials'). */
export async function tokenFor(res: Resolution, creds: AwsCredentials, cluster: string, region: string): Promise<{ token: string; expiresAt: Date }> {
  const file = cacheFile('tokens', res, cluster, region);
  const hit = readJson(file);
  const left = (d: Date) => d.getTime() - Date.now();
  if (hit && hit.accessKeyId === creds.accessKeyId && typeof hit.token === 'string' && typeof hit.expiresAt === 'string') {
    const expiresAt = new Date(hit.expiresAt);
    if (left(expiresAt) > 60_000) return { token: hit.token, expiresAt };
  }
  const { eksToken } = await import('../aws/eks.ts');
  const t = await eksToken(creds, cluster, region);
  // A token is only as good as the credentials that signed it.
  const expiresAt = creds.expiration && creds.expiration < t.expiresAt ? creds.expiration : t.expiresAt;
  writePrivateFileSync(file, JSON.stringify({ accessKeyId: creds.accessKeyId, token: t.token, expiresAt: expiresAt.toISOString() }));
  return { token: t.token, expiresAt };
}

/** The user entry name of a cluster (Atmos's pattern, pkg/auth/integrations/aws/eks.go:165). */
function userName(c: EksCluster): string {
  return `atmos-auth-eks-${c.name}-${c.region}`;
}

/** What `eks token` needs to find the identity again from kubectl's exec call. */
export interface TokenCommand {
  /** argv prefix that runs atmos-auth ([node, script] or [atmos-auth]). */
  cmd: readonly string[];
  identity: string;
  root: string;
  profiles: string[];
  /** ATMOS_* inputs that decide the resolution, pinned through the exec plugin's env. */
  env: Record<string, string>;
}

/**
 * The kubeconfig text: one cluster, user and context per integration; the current context is
 * the one whose region is the stack's (else the first). Rendered with a YAML serialiser, so
 * names from the repository are data.
 */
export async function renderKubeconfig(entries: { integration: EksIntegration; cluster: EksCluster }[], region: string | null, t: TokenCommand): Promise<string> {
  const { dump } = await import('js-yaml');
  const [command, ...prefix] = t.cmd as [string, ...string[]];
  const ctx = (e: (typeof entries)[number]) => e.integration.alias ?? e.cluster.arn;
  const pick = currentEks(entries.map((e) => e.integration), region);
  const current = entries.find((e) => e.integration === pick);
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: entries.map((e) => ({ name: e.cluster.arn, cluster: { server: e.cluster.endpoint, 'certificate-authority-data': e.cluster.certificateAuthority } })),
    users: entries.map((e) => ({
      name: userName(e.cluster),
      user: {
        exec: {
          apiVersion: 'client.authentication.k8s.io/v1beta1',
          command,
          args: [...prefix, 'eks', 'token', '--cluster-name', e.cluster.name, '--region', e.cluster.region, '--identity', t.identity, '--root', t.root, ...(t.profiles.length ? ['--profile', t.profiles.join(',')] : [])],
          env: Object.entries(t.env).map(([name, value]) => ({ name, value })),
          interactiveMode: 'Never',
          provideClusterInfo: false,
        },
      },
    })),
    contexts: entries.map((e) => ({ name: ctx(e), context: { cluster: e.cluster.arn, user: userName(e.cluster) } })),
    'current-context': current ? ctx(current) : '',
  };
  return dump(doc, { lineWidth: -1, noRefs: true });
}

/**
 * Where the kubeconfig of an identity lives: one file per identity, profiles and repository, and
 * per set of its aws/eks integrations and the stack's region (which picks the current context), so
 * a changed integration is a new file, written on the next `cd`, and an existing one needs no look.
 */
export function kubeconfigPath(res: Resolution): string {
  const slug = (res.identity ?? 'none').replace(/[^A-Za-z0-9_.-]+/g, '-').slice(0, 40);
  const eks = (res.integrations ?? []).filter((i) => i.kind === 'aws/eks');
  return join(paths.cache, 'kube', `${slug}-${sha256Hex(JSON.stringify([res.root, res.profiles, res.identity, eks, res.region])).slice(0, 16)}.yaml`);
}

/** Writes the identity's kubeconfig when its text changed; returns its path. */
export function writeKubeconfig(res: Resolution, text: string): string {
  const file = kubeconfigPath(res);
  if (readPrivateFile(file) !== text) writePrivateFileSync(file, text);
  return file;
}

/** The ATMOS_* inputs that the plugin must see as this shell does (kubectl's may differ). */
function pinnedEnv(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of ['ATMOS_CLI_CONFIG_PATH', 'ATMOS_BASE_PATH']) {
    const v = process.env[k];
    if (v) out[k] = v;
  }
  return out;
}

/**
 * Writes the kubeconfig of `res.identity` (fetching cluster details with `creds` when not cached)
 * and returns its path, or null when the identity has no aws/eks integration.
 */
export async function ensureKubeconfig(res: Resolution, creds: AwsCredentials, cmd: readonly string[] = selfCommand()): Promise<string | null> {
  const eks = (res.integrations ?? []).filter((i): i is EksIntegration => i.kind === 'aws/eks');
  if (!eks.length || !res.identity || !res.root) return null;
  const entries = [];
  for (const integration of eks) entries.push({ integration, cluster: await clusterOf(res, creds, integration) });
  const text = await renderKubeconfig(entries, res.region, { cmd, identity: res.identity, root: res.root, profiles: res.profiles, env: pinnedEnv() });
  return writeKubeconfig(res, text);
}
