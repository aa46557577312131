/**
 * `atmos-auth list --matrix`: which profile gives which identity what (the users' guide's table),
 * computed from the repository offline. Every profile of the repository (every directory in a
 * profile location, as Atmos lists them: pkg/config/profiles.go:165-190) is read on its own, as
 * `ATMOS_PROFILE=<name>` would merge it over atmos.yaml (Atmos pkg/config/profiles.go: a profile's
 * files deep-merge over the base config); a profile that fails to load is a column with its error,
 * not a failure of the table. Rows are identities, grouped where the names and cells allow
 * (groupRows). Reading the profiles is src/atmos/profile-map.ts (errors quote it too); rendering is
 * matrix-render.ts.
 */
import { cellOf, loadProfileAuths, type MatrixCell, type MatrixProfile } from '../atmos/profile-map.ts';

export type { MatrixCell, MatrixProfile } from '../atmos/profile-map.ts';

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

/** Reads every profile of the repository holding `dir` (src/atmos/profile-map.ts) and builds the table. */
export function computeMatrix(dir: string, env: NodeJS.ProcessEnv, opts: { group: boolean; only?: string[] }): Matrix {
  const { root, profiles, auths } = loadProfileAuths(dir, env, opts.only);
  // Union of the identities, case-insensitively; the first spelling met names the row.
  const identities = new Map<string, string>();
  for (const auth of auths.values()) for (const e of auth.identities.values()) if (!identities.has(e.name.toLowerCase())) identities.set(e.name.toLowerCase(), e.name);
  const rows: MatrixRow[] = [...identities.values()].sort((a, b) => a.localeCompare(b)).map((id) => {
    const cells: Record<string, MatrixCell | null> = {};
    for (const p of profiles) {
      const auth = auths.get(p.name);
      cells[p.name] = auth ? cellOf(id, auth) : null;
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
