/**
 * `atmos-auth list --matrix`: which profile gives which identity what (the users' guide's table),
 * computed from the repository offline. Every profile of the repository (every directory in a
 * profile location, as Atmos lists them: pkg/config/profiles.go:165-190) is read on its own, as
 * `ATMOS_PROFILE=<name>` would merge it over atmos.yaml (Atmos pkg/config/profiles.go: a profile's
 * files deep-merge over the base config); a profile that fails to load is a column with its error,
 * not a failure of the table. Rows are identities, grouped where the names and cells allow
 * (groupRows). Rendering is matrix-render.ts.
 */
import { buildChain } from '../atmos/chain.ts';
import { discoverConfig } from '../atmos/config.ts';
import { authOf, type AuthConfig } from '../atmos/identity.ts';
import { kindOf, unsupportedHop } from '../atmos/kinds.ts';
import { applyProfiles, availableProfiles, profileLocations } from '../atmos/profiles.ts';
import { Reader } from '../atmos/reader.ts';
import { AtmosAuthError, UsageError } from '../errors.ts';
import { accessLevel, type AccessLevel } from '../shell/env.ts';
import { realDir } from '../atmos/fsutil.ts';

/** One column: a profile ('' when the repository has none: the base configuration alone). */
export interface MatrixProfile {
  name: string;
  /** Why this profile's configuration could not be read (its cells are then all null). */
  error?: string;
}

/** What one profile makes of one identity (or of a group of them). */
export interface MatrixCell {
  /** The kind of the identity's last hop, as written (aws/permission-set, aws/assume-role, ...). */
  kind: string;
  /** aws/permission-set: the permission set's name. */
  permissionSet?: string;
  /** aws/assume-role: the role's name (last segment of its ARN); in a group, `*` where members differ. */
  role?: string;
  /** apply/plan/state/admin/read from the name ('' when the name does not say). */
  access: AccessLevel;
  /** A kind atmos-auth leaves to Atmos somewhere in the chain. */
  unsupported?: string;
  /** The identity's chain does not build in this profile (one line). */
  error?: string;
}

/** One row: an identity, or identities with the same cells in every profile. */
export interface MatrixRow {
  identities: string[];
  /** The row's name: the identity, or a pattern (`core-*\/terraform`, `plat-{dev,sandbox}/terraform`). */
  group: string;
  /** Profile name -> cell; null where the profile lacks the identity (or could not be read). */
  cells: Record<string, MatrixCell | null>;
}

/** The whole table. */
export interface Matrix {
  root: string;
  profiles: MatrixProfile[];
  rows: MatrixRow[];
}


/** The first line of an error as the user would read it (file:line: message). */
function oneLine(err: unknown): string {
  const text = err instanceof AtmosAuthError ? err.render() : err instanceof Error ? err.message : String(err);
  return text.split('\n')[0]!;
}

/** The cell of `name` under `auth`. */
function cellOf(name: string, auth: AuthConfig): MatrixCell {
  const kind = auth.identities.get(name.toLowerCase())?.def.kind;
  let chain;
  try {
    chain = buildChain(name, auth);
  } catch (err) {
    return { kind: typeof kind === 'string' ? kind : '?', access: '', error: oneLine(err) };
  }
  const last = chain[chain.length - 1]!;
  const cell: MatrixCell = { kind: kindOf(last), access: '' };
  if (last.kind === 'aws/permission-set') {
    cell.permissionSet = last.permissionSet;
    cell.access = accessLevel(last.permissionSet);
  } else if (last.kind === 'aws/assume-role') {
    cell.role = last.roleArn.slice(last.roleArn.lastIndexOf('/') + 1);
    cell.access = accessLevel(cell.role);
  }
  const odd = unsupportedHop(chain);
  if (odd) cell.unsupported = kindOf(odd);
  return cell;
}

/** Reads every profile of the repository holding `dir` and builds the table. */
export function computeMatrix(dir: string, env: NodeJS.ProcessEnv, opts: { group: boolean; only?: string[] }): Matrix {
  const reader = new Reader(realDir(dir), env);
  const base = discoverConfig(reader);
  if (!base.root) throw new AtmosAuthError(`${dir} is not inside an Atmos repository (no atmos.yaml in it or above it)`, { hint: 'run it inside the repository, or pass --dir' });
  const root = base.root;
  reader.configRoot = root;
  let names = availableProfiles(profileLocations(base.config, root, env));
  if (opts.only?.length) {
    const unknown = opts.only.filter((n) => !names.includes(n));
    if (unknown.length) throw new UsageError(`no profile ${unknown.join(', ')} in ${root}`, { hint: `profiles: ${names.join(', ') || '(none)'}` });
    names = opts.only;
  }
  const profiles: MatrixProfile[] = [];
  const auths = new Map<string, AuthConfig>();
  for (const name of names.length ? names : ['']) {
    try {
      // The profile named as --profile would: applyProfiles merges it as Atmos does.
      const config = name ? applyProfiles(reader, base.config, root, name).config : base.config;
      auths.set(name, authOf(config));
      profiles.push({ name });
    } catch (err) {
      profiles.push({ name, error: oneLine(err) });
    }
  }
  // Union of the identities, case-insensitively; the first spelling met names the row.
  const identities = new Map<string, string>();
  for (const auth of auths.values()) for (const e of auth.identities.values()) if (!identities.has(e.name.toLowerCase())) identities.set(e.name.toLowerCase(), e.name);
  const rows: MatrixRow[] = [...identities.values()].sort((a, b) => a.localeCompare(b)).map((id) => {
    const cells: Record<string, MatrixCell | null> = {};
    for (const p of profiles) {
      const auth = auths.get(p.name);
      cells[p.name] = auth?.identities.has(id.toLowerCase()) ? cellOf(id, auth) : null;
    }
    return { identities: [id], group: id, cells };
  });
  return { root, profiles, rows: opts.group ? groupRows(rows, profiles.map((p) => p.name)) : rows };
}

const SEP = /[-/_.:]/;

/** The family of an identity name: up to (not including) the first '-' or '/'. */
function familyOf(name: string): string {
  const m = /[-/]/.exec(name);
  return (m ? name.slice(0, m.index) : name).toLowerCase();
}

/**
 * What must be equal for two identities to share a row: per profile, the kind, access and name
 * with the identity's own account part (the name up to its first '/', e.g. `core-root`) taken
 * out, so that roles named after their account (`acme-core-root-planner`, `acme-core-audit-planner`)
 * count as the same cell.
 */
function signature(row: MatrixRow, profiles: string[]): string {
  const id = row.identities[0]!;
  const slash = id.indexOf('/');
  const own = slash > 0 ? id.slice(0, slash).toLowerCase() : '';
  const norm = (v: string | undefined) => (v === undefined ? null : own ? v.toLowerCase().replaceAll(own, '\0') : v.toLowerCase());
  return JSON.stringify(profiles.map((p) => {
    const c = row.cells[p];
    return c ? [c.kind, c.access, norm(c.permissionSet), norm(c.role), c.unsupported ?? null, c.error ?? null] : null;
  }));
}

/** Longest common prefix of `xs`. */
function commonPrefix(xs: string[]): string {
  let p = xs[0] ?? '';
  for (const x of xs) while (!x.startsWith(p)) p = p.slice(0, -1);
  return p;
}

/** Longest common suffix of `xs`. */
function commonSuffix(xs: string[]): string {
  let s = xs[0] ?? '';
  for (const x of xs) while (!x.endsWith(s)) s = s.slice(1);
  return s;
}

/**
 * `names` as one pattern: the common prefix up to a separator, the common suffix from one, and
 * between them `*` when the group is its whole family, else the differing parts in braces.
 */
export function namePattern(names: string[], wholeFamily: boolean): string {
  if (names.length === 1) return names[0]!;
  let pre = commonPrefix(names);
  while (pre && !SEP.test(pre[pre.length - 1]!)) pre = pre.slice(0, -1);
  const rests = names.map((n) => n.slice(pre.length));
  let suf = commonSuffix(rests);
  while (suf && !SEP.test(suf[0]!)) suf = suf.slice(1);
  const middles = rests.map((r) => r.slice(0, r.length - suf.length));
  if (middles.some((m) => !m)) return `{${[...names].sort().join(',')}}`;
  return `${pre}${wholeFamily ? '*' : `{${[...middles].sort().join(',')}}`}${suf}`;
}

/** Values of a group as one: the value when all agree, else the common affixes around a `*`. */
function mergeValues(xs: string[]): string {
  if (xs.every((x) => x === xs[0])) return xs[0]!;
  let pre = commonPrefix(xs);
  while (pre && !SEP.test(pre[pre.length - 1]!)) pre = pre.slice(0, -1);
  let suf = commonSuffix(xs.map((x) => x.slice(pre.length)));
  while (suf && !SEP.test(suf[0]!)) suf = suf.slice(1);
  return `${pre}*${suf}`;
}

/**
 * Groups rows: identities of one family (name up to the first '-' or '/') whose cells have the
 * same signature in every profile share a row. Rows stay in the order of their first identity.
 */
export function groupRows(rows: MatrixRow[], profiles: string[]): MatrixRow[] {
  const families = new Map<string, MatrixRow[]>();
  for (const r of rows) {
    const f = familyOf(r.identities[0]!);
    families.set(f, [...(families.get(f) ?? []), r]);
  }
  const out: MatrixRow[] = [];
  for (const members of families.values()) {
    const bySig = new Map<string, MatrixRow[]>();
    for (const r of members) {
      const s = signature(r, profiles);
      bySig.set(s, [...(bySig.get(s) ?? []), r]);
    }
    for (const group of bySig.values()) {
      const ids = group.flatMap((r) => r.identities);
      const cells: Record<string, MatrixCell | null> = {};
      for (const p of profiles) {
        const cs = group.map((r) => r.cells[p]);
        const first = cs[0];
        if (!first) { cells[p] = null; continue; }
        const c: MatrixCell = { ...first };
        if (first.permissionSet !== undefined) c.permissionSet = mergeValues(cs.map((x) => x!.permissionSet!));
        if (first.role !== undefined) c.role = mergeValues(cs.map((x) => x!.role!));
        cells[p] = c;
      }
      out.push({ identities: ids, group: namePattern(ids, bySig.size === 1), cells });
    }
  }
  return out.sort((a, b) => a.identities[0]!.localeCompare(b.identities[0]!));
}
