/**
 * Profile x identity -> permission set (or role) and access level, read offline from the
 * repository: what `list --matrix` tabulates and what an AWS refusal (no assignment, AccessDenied)
 * quotes ("profiles giving plat-prod/terraform more: devops (TerraformApplyAccess)"). Each profile
 * is merged over atmos.yaml on its own, as `ATMOS_PROFILE=<name>` would (Atmos
 * pkg/config/profiles.go: a profile's files deep-merge over the base config; profiles are the
 * directories of the profile locations, pkg/config/profiles.go:165-190). Reading every profile
 * costs a parse of each: callers use it for the matrix and on error paths only, never on a warm cd.
 */
import { AtmosAuthError, UsageError } from '../errors.ts';
// accessLevel is a pure name test kept beside the ATMOS_AUTH_ACCESS it feeds; no I/O.
import { accessLevel, type AccessLevel } from '../shell/env.ts';
import { buildChain } from './chain.ts';
import { discoverConfig } from './config.ts';
import { authOf, type AuthConfig } from './identity.ts';
import { kindOf, unsupportedHop } from './kinds.ts';
import { applyProfiles, availableProfiles, profileLocations } from './profiles.ts';
import { Reader } from './reader.ts';
import { realDir } from './path-facts.ts';

/** One profile ('' when the repository has none: the base configuration alone). */
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

/** Every profile of a repository, each with its auth section (when it loaded). */
export interface ProfileAuths {
  root: string;
  profiles: MatrixProfile[];
  auths: Map<string, AuthConfig>;
}


/** The first line of an error as the user would read it (file:line: message). */
function oneLine(err: unknown): string {
  const text = err instanceof AtmosAuthError ? err.render() : err instanceof Error ? err.message : String(err);
  return text.split('\n')[0]!;
}

/** Reads every profile of the repository holding `dir` (`only`: those, in that order). */
export function loadProfileAuths(dir: string, env: NodeJS.ProcessEnv, only?: string[]): ProfileAuths {
  const reader = new Reader(realDir(dir), env);
  const base = discoverConfig(reader);
  if (!base.root) throw new AtmosAuthError(`${dir} is not inside an Atmos repository (no atmos.yaml in it or above it)`, { hint: 'run it inside the repository, or pass --dir' });
  const root = base.root;
  reader.configRoot = root;
  let names = availableProfiles(profileLocations(base.config, root, env));
  if (only?.length) {
    const unknown = only.filter((n) => !names.includes(n));
    if (unknown.length) throw new UsageError(`no profile ${unknown.join(', ')} in ${root}`, { hint: `profiles: ${names.join(', ') || '(none)'}` });
    names = only;
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
  return { root, profiles, auths };
}

/** The cell of identity `name` under `auth` (null when `auth` lacks the identity). */
export function cellOf(name: string, auth: AuthConfig): MatrixCell | null {
  const entry = auth.identities.get(name.toLowerCase());
  if (!entry) return null;
  const kind = entry.def.kind;
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

/** Rank of an access level for "gives more": admin > apply > plan > state > read > unknown. */
export function accessRank(level: AccessLevel): number {
  return ({ admin: 5, apply: 4, plan: 3, state: 2, read: 1, '': 0 } as const)[level];
}

/** What a profile maps one identity to. */
export interface ProfileMapping {
  profile: string;
  cell: MatrixCell;
}

/** Every profile that defines `identity` (and builds its chain), ranked by access, highest first. */
export function mappingsOf(pa: ProfileAuths, identity: string): ProfileMapping[] {
  const out: ProfileMapping[] = [];
  for (const p of pa.profiles) {
    const auth = pa.auths.get(p.name);
    const cell = auth ? cellOf(identity, auth) : null;
    if (cell && !cell.error) out.push({ profile: p.name, cell });
  }
  return out.sort((a, b) => accessRank(b.cell.access) - accessRank(a.cell.access) || a.profile.localeCompare(b.profile));
}

/** `TerraformApplyAccess` / `role acme-plat-prod-planner` / the kind. */
export function targetOf(cell: MatrixCell): string {
  return cell.permissionSet ?? (cell.role ? `role ${cell.role}` : cell.kind);
}

/**
 * One sentence for an error's hint: the profiles mapping `identity` to something other than what
 * `current` (the active profiles) maps it to, split into those giving more (by access level) and
 * the others; '' when no other profile maps it differently.
 */
export function otherProfilesText(mappings: ProfileMapping[], identity: string, current: string[]): string {
  const mine = mappings.find((m) => current.includes(m.profile))?.cell;
  const key = (c: MatrixCell) => `${c.kind}\0${targetOf(c)}`;
  const others = mappings.filter((m) => !current.includes(m.profile) && (!mine || key(m.cell) !== key(mine)));
  if (!others.length) return '';
  const label = (m: ProfileMapping) => `${m.profile} (${targetOf(m.cell)}${m.cell.access ? `, ${m.cell.access}` : ''})`;
  const base = mine ? accessRank(mine.access) : -1;
  const more = others.filter((m) => accessRank(m.cell.access) > base);
  const rest = others.filter((m) => accessRank(m.cell.access) <= base);
  const parts: string[] = [];
  if (more.length) parts.push(`profiles giving ${identity} more: ${more.map(label).join(', ')}`);
  if (rest.length) parts.push(`${more.length ? 'others' : `profiles mapping ${identity} otherwise`}: ${rest.map(label).join(', ')}`);
  return parts.join('; ');
}
