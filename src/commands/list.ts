/** `atmos-auth list`: the identities of the active profile, and which stacks default to each. */
import { relative } from 'node:path';
import { buildChain } from '../atmos/chain.ts';
import { resolveContext } from '../atmos/resolve.ts';
import { aliasOf, tagsOf } from '../atmos/identity-fields.ts';
import { kindOf, unsupportedHop } from '../atmos/kinds.ts';
import type { ChainHop } from '../atmos/types.ts';

/** Options yargs hands over. */
export interface ListArgs {
  dir?: string;
  profile?: string;
  json?: boolean;
  /** Comma-separated tags: only identities with any of them (Atmos cmd/auth/list.go:354-362). */
  tags?: string;
  /** The profile x identity matrix instead (matrix.ts). */
  matrix?: boolean;
  /** With --matrix: a GitHub markdown table. */
  markdown?: boolean;
  /** With --matrix: false for one row per identity. */
  group?: boolean;
}

/** One identity of the active profile. */
export interface ListedIdentity {
  name: string;
  kind: string;
  default: boolean;
  account?: { name?: string; id?: string };
  permissionSet?: string;
  roleArn?: string;
  /** aws/assume-root: the member account and the root task policy. */
  targetPrincipal?: string;
  taskPolicyArn?: string;
  via: string | null;
  /** Display name (`alias:`), as Atmos's ALIAS column. */
  alias?: string;
  /** `tags:` as written. */
  tags: string[];
  /**
   * The kind atmos-auth does not implement somewhere in its chain (the hook exports nothing for
   * it; Atmos's `auth exec`/`auth shell` do), absent when atmos-auth handles the whole chain.
   */
  unsupported?: string;
  /** Stacks whose default identity this is. */
  stacks: string[];
}

/** What `list` says for identities with nothing more specific to show. */
const KIND_WORDS: Record<string, string> = { 'aws/user': 'IAM user', 'aws/ambient': "the environment's AWS credentials", ambient: 'the environment as it is' };

/** Runs the command. */
export async function run(args: ListArgs): Promise<number> {
  if (args.matrix) return runMatrix(args);
  // ATMOS_IDENTITY would hide each stack's own default; list shows the defaults themselves.
  const opts: Parameters<typeof resolveContext>[0] = { dir: args.dir ?? process.cwd(), allStacks: true, env: { ...process.env, ATMOS_IDENTITY: '' } };
  if (args.profile !== undefined) opts.profile = args.profile;
  const ctx = resolveContext(opts);
  const cat = { root: ctx.resolution.root, profiles: ctx.resolution.profiles, auth: ctx.auth };
  const byIdentity = new Map<string, string[]>();
  for (const s of ctx.stacks) {
    if (!s.choice.identity) continue;
    const k = s.choice.identity.toLowerCase();
    byIdentity.set(k, [...(byIdentity.get(k) ?? []), s.name]);
  }
  // Exact, case-sensitive, any-of: Atmos's tags.MatchesTags with TagModeAny (pkg/tags/tags.go).
  const want = (args.tags ?? '').split(',').map((t) => t.trim()).filter(Boolean);
  const items: ListedIdentity[] = [...cat.auth.identities.values()]
    .filter((e) => want.length === 0 || tagsOf(e).some((t) => want.includes(t)))
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((e) => {
      const chain: ChainHop[] = buildChain(e.name, cat.auth);
      const last = chain[chain.length - 1]!;
      const item: ListedIdentity = {
        name: e.name,
        kind: kindOf(last),
        default: e.def.default === true,
        via: chain.length > 1 ? chain[chain.length - 2]!.name : null,
        tags: tagsOf(e),
        stacks: (byIdentity.get(e.name.toLowerCase()) ?? []).sort(),
      };
      if (last.kind === 'aws/permission-set') { item.account = last.account; item.permissionSet = last.permissionSet; }
      if (last.kind === 'aws/assume-role') item.roleArn = last.roleArn;
      const alias = aliasOf(e);
      if (alias) item.alias = alias;
      if (last.kind === 'aws/assume-root') { item.targetPrincipal = last.targetPrincipal; item.taskPolicyArn = last.taskPolicyArn; }
      const odd = unsupportedHop(chain);
      if (odd) item.unsupported = kindOf(odd);
      return item;
    });
  if (args.json) {
    process.stdout.write(JSON.stringify({ root: cat.root, profiles: cat.profiles, identities: items }, null, 2) + '\n');
    return 0;
  }
  if (cat.root === null) {
    process.stdout.write('no atmos.yaml in this directory or above it\n');
    return 0;
  }
  const head = `${relative(process.cwd(), cat.root) || '.'}: ${cat.profiles.length ? `profile ${cat.profiles.join(',')}` : 'no profile'}, ${items.length} identit${items.length === 1 ? 'y' : 'ies'}\n`;
  const lines = items.map((i) => {
    const what = i.unsupported
      ? `[not supported: ${i.unsupported}; use atmos auth exec -i ${i.name}]`
      : i.permissionSet ? `${i.permissionSet} @ ${i.account?.name ?? i.account?.id}`
      : i.targetPrincipal ? `root of ${i.targetPrincipal} (${i.taskPolicyArn?.slice(i.taskPolicyArn.lastIndexOf('/') + 1)})`
      : i.roleArn ?? KIND_WORDS[i.kind] ?? '';
    const st = i.stacks.length ? `  stacks: ${i.stacks.join(', ')}` : '';
    const extra = `${i.alias ? `  alias: ${i.alias}` : ''}${i.tags.length ? `  tags: ${i.tags.join(', ')}` : ''}`;
    return `  ${i.name.padEnd(24)} ${i.kind.padEnd(18)} ${what}${i.default ? '  (default)' : ''}${extra}${st}`;
  });
  process.stdout.write(head + lines.join('\n') + (lines.length ? '\n' : ''));
  return 0;
}

/** `list --matrix`: every profile of the repository, not just the active one. */
async function runMatrix(args: ListArgs): Promise<number> {
  const { computeMatrix } = await import('./matrix.ts');
  const { renderMarkdown, renderText } = await import('./matrix-render.ts');
  const { parseProfileList } = await import('../atmos/profiles.ts');
  // --profile picks (and orders) the columns; ATMOS_PROFILE does not: the matrix is every profile.
  const m = computeMatrix(args.dir ?? process.cwd(), process.env, { group: args.group !== false, only: parseProfileList(args.profile) });
  process.stdout.write(args.json ? JSON.stringify(m, null, 2) + '\n' : args.markdown ? renderMarkdown(m) : renderText(m));
  return 0;
}
