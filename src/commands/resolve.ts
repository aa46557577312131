/** `atmos-auth resolve`: which stacks and identity a directory means (offline). */
import { resolveDirectoryCached } from '../atmos/resolution-cache.ts';
import { atmosInstead, kindOf, unsupportedHop } from '../atmos/kinds.ts';
import type { ChainHop, Resolution } from '../atmos/types.ts';

/** Options yargs hands over. */
export interface ResolveArgs {
  dir?: string;
  profile?: string;
  json?: boolean;
  /** false (--no-cache): bypass the resolution and parse caches. */
  cache?: boolean;
  /** A stack by name and one of its components (as `atmos terraform plan C -s S`). */
  stack?: string;
  component?: string;
}

/** One hop in words: `acme-sso (aws/iam-identity-center https://... us-east-1)`. */
export function describeHop(h: ChainHop): string {
  switch (h.kind) {
    case 'aws/iam-identity-center': return `${h.name} (${h.kind} ${h.startUrl} ${h.region})`;
    case 'github/oidc': return `${h.name} (${h.kind}${h.region ? ` ${h.region}` : ''})`;
    case 'aws/saml': return `${h.name} (${h.kind}${h.url ? ` ${h.url}` : ''})`;
    case 'aws/permission-set': return `${h.permissionSet} @ ${h.account.name ?? h.account.id}`;
    case 'aws/assume-role': return `${h.roleArn}`;
    case 'aws/user': return `${h.name} (aws/user${h.mfaArn ? ', MFA' : ''}${h.yamlKeys ? ', keys from YAML' : ''})`;
    case 'aws/assume-root': return `root of ${h.targetPrincipal} (aws/assume-root ${h.taskPolicyArn.slice(h.taskPolicyArn.lastIndexOf('/') + 1)})`;
    case 'aws/ambient': return `${h.name} (aws/ambient: the environment's AWS credentials)`;
    case 'ambient': return `${h.name} (ambient: the environment as it is)`;
    case 'unsupported': return `${h.name} (${h.declaredKind}: not supported by atmos-auth)`;
  }
}

/** The short human form of a Resolution. */
export function formatResolution(r: Resolution): string {
  const lines: string[] = [];
  const row = (k: string, v: string) => lines.push(`${k.padEnd(9)} ${v}`);
  if (r.root === null) {
    row('root', 'none');
    row('identity', `none  (${r.reason ?? 'not in an Atmos repository'})`);
    return lines.join('\n') + '\n';
  }
  if (r.stacks.length) row(r.stacks.length === 1 ? 'stack' : 'stacks', r.stacks.join(', '));
  else row('stacks', 'none here');
  const prof = r.profiles.length ? `profile ${r.profiles.join(',')}` : 'no profile';
  if (r.identity) {
    const from = r.source === 'stack' ? 'from stack defaults' : r.source === 'config' ? 'from config default' : r.source === 'component' ? `from component ${r.component ?? ''} auth` : 'from ATMOS_IDENTITY';
    row('identity', `${r.identity}  (${from}, ${prof})`);
  } else {
    row('identity', `none  (${r.reason ?? 'no default identity'}; ${prof})`);
  }
  if (r.candidates) for (const [s, id] of Object.entries(r.candidates)) row('', `${s} -> ${id ?? 'none'}`);
  if (r.chain.length) row('chain', r.chain.map(describeHop).join(' -> '));
  const odd = unsupportedHop(r.chain);
  if (odd && r.identity) row('note', `atmos-auth does not implement ${kindOf(odd)} (${odd.name}): the hook exports nothing here; use ${atmosInstead(r.identity)}`);
  if (r.region) row('region', r.region);
  if (r.env?.length) row('env', r.env.map((e) => e.key).join(', '));
  return lines.join('\n') + '\n';
}

/** The Resolution as printed: an aws/user's YAML secret key never leaves the process. */
export function printable(r: Resolution): Resolution {
  if (!r.chain.some((h) => h.kind === 'aws/user' && h.yamlKeys)) return r;
  return { ...r, chain: r.chain.map((h) => (h.kind === 'aws/user' && h.yamlKeys ? { ...h, yamlKeys: { accessKeyId: h.yamlKeys.accessKeyId, secretAccessKey: '(redacted)' } } : h)) };
}

/** Runs the command; errors propagate as AtmosAuthError (printed by cli.ts, exit 1). */
export async function run(args: ResolveArgs): Promise<number> {
  const dir = args.dir ?? process.cwd();
  const profile = args.profile !== undefined ? { profile: args.profile } : {};
  let r: Resolution;
  if (args.stack !== undefined || args.component !== undefined) {
    const { resolveTarget } = await import('../credentials/target.ts');
    r = await resolveTarget({ dir, ...profile, stack: args.stack, component: args.component });
  } else {
    // The same Resolution either way; the cached path is what the shell hook pays on `cd`.
    r = args.cache === false
      ? (await import('../atmos/resolve.ts')).resolveDirectory({ dir, ...profile })
      : await resolveDirectoryCached({ dir, ...profile });
  }
  const out = printable(r);
  process.stdout.write(args.json ? JSON.stringify(out, null, 2) + '\n' : formatResolution(out));
  return 0;
}
