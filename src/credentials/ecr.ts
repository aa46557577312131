/**
 * docker follows the identity: one docker config directory per identity (0700; config.json 0600,
 * written atomically) holding the registry logins of its aws/ecr integrations on top of a copy of
 * the user's own docker config, so their other registries, credential helpers and settings keep
 * working. A login is fetched again when under an hour of its 12 is left.
 *
 * Precedence in docker's config (docker/cli configfile GetCredentialsStore): a registry listed in
 * `credHelpers` uses that helper, else `credsStore` when set, else `auths`. So our registries are
 * removed from `credHelpers`, and when the user has a `credsStore`, each is given our own helper
 * (`docker-credential-atmos-auth`, which serves the login from `auths`). An empty helper entry,
 * which docker reads as "use auths", makes skopeo, podman and buildah (containers/image) run a
 * program called `docker-credential-`, so it is not used.
 */
import { lstatSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { EcrIntegration } from '../atmos/integrations.ts';
import type { Resolution } from '../atmos/types.ts';
import { debug } from '../log.ts';
import { paths } from '../paths.ts';
import { ensurePrivateDir, readPrivateFile, writePrivateFileSync } from '../util/secure-file.ts';
import { sha256Hex } from '../util/sha256.ts';
import type { AwsCredentials } from './types.ts';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A login is renewed when less than this is left of it. */
const RENEW_MS = 3600_000;

/** The docker config directory of an identity (one per identity, profiles and repository). */
export function dockerConfigDir(res: Resolution): string {
  const slug = (res.identity ?? 'none').replace(/[^A-Za-z0-9_.-]+/g, '-').slice(0, 40);
  const ecr = (res.integrations ?? []).filter((i) => i.kind === 'aws/ecr');
  return join(paths.cache, 'docker', `${slug}-${sha256Hex(JSON.stringify([res.root, res.profiles, res.identity, ecr])).slice(0, 16)}`);
}

/**
 * The identity's docker config directory when every aws/ecr login in it has over an hour left
 * (one small file read: what a warm `cd` does), else null.
 */
export function freshDockerConfig(res: Resolution): string | null {
  const ecr = (res.integrations ?? []).filter((i): i is EcrIntegration => i.kind === 'aws/ecr');
  if (!ecr.length) return null;
  const dir = dockerConfigDir(res);
  const state = readState(dir);
  if (!state) return null;
  for (const i of ecr) {
    const l = state.logins[`${i.accountId}@${i.region}`];
    if (!l || Date.parse(l.expiresAt) - Date.now() <= RENEW_MS) return null;
  }
  return dir;
}

/** True when `dir` is one of ours (then the user's config is the one it was made from). */
function isOurs(dir: string | undefined): boolean {
  return !!dir && dir.startsWith(join(paths.cache, 'docker') + '/');
}

interface State {
  /** The user's docker config directory this copy was made from. */
  source: string;
  /** `<account>@<region>` -> the registry host its login is for, and when that login ends (ISO). */
  logins: Record<string, { host: string; expiresAt: string }>;
}

function readState(dir: string): State | null {
  try {
    const text = readPrivateFile(join(dir, 'atmos-auth.json'));
    if (text === null) return null;
    const v: unknown = JSON.parse(text);
    if (!isObj(v) || typeof v.source !== 'string' || !isObj(v.logins)) return null;
    const logins: State['logins'] = {};
    for (const [k, x] of Object.entries(v.logins)) if (isObj(x) && typeof x.host === 'string' && typeof x.expiresAt === 'string') logins[k] = { host: x.host, expiresAt: x.expiresAt };
    return { source: v.source, logins };
  } catch {
    return null;
  }
}

/** The user's own docker config directory: DOCKER_CONFIG unless it is ours, else ~/.docker. */
function userSource(env: NodeJS.ProcessEnv): string {
  const current = env.DOCKER_CONFIG;
  if (current && isOurs(current)) return readState(current)?.source ?? join(env.HOME || homedir(), '.docker');
  return current || join(env.HOME || homedir(), '.docker');
}

/** A JSON object from a file (the user's own, or a private one of ours); {} when absent or broken. */
function readObject(file: string, own: boolean): Record<string, unknown> {
  try {
    const text = own ? readPrivateFile(file) : readFileSync(file, 'utf8');
    const v: unknown = text === null ? null : JSON.parse(text);
    return isObj(v) ? v : {};
  } catch {
    return {};
  }
}

/**
 * Links everything else of the user's docker directory (cli-plugins such as compose and buildx,
 * contexts, buildx state) into ours: with DOCKER_CONFIG pointing here, docker looks for them here.
 */
function linkUserEntries(source: string, dir: string): void {
  let names: string[];
  try {
    names = readdirSync(source);
  } catch {
    return;
  }
  for (const n of names) {
    if (n === 'config.json' || n === 'atmos-auth.json') continue;
    const target = join(dir, n);
    try {
      lstatSync(target);
    } catch {
      try {
        symlinkSync(join(source, n), target);
      } catch (err) {
        debug(`ecr: could not link ${n} of ${source} (${(err as Error).message})`);
      }
    }
  }
}

/**
 * Makes sure the identity's docker config holds a fresh login for each aws/ecr integration
 * (fetching those that are missing or near their end with `creds`) and returns the directory,
 * or null when the identity has none.
 */
export async function ensureDockerConfig(res: Resolution, creds: AwsCredentials, env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  const ecr = (res.integrations ?? []).filter((i): i is EcrIntegration => i.kind === 'aws/ecr');
  if (!ecr.length || !res.identity) return null;
  const dir = dockerConfigDir(res);
  ensurePrivateDir(dir);
  const prev = readState(dir);
  const source = userSource(env);
  const current = readObject(join(dir, 'config.json'), true);
  const currentAuths = isObj(current.auths) ? current.auths : {};
  const logins: State['logins'] = {};
  const auths: Record<string, { auth: string }> = {};
  for (const i of ecr) {
    const tag = `${i.accountId}@${i.region}`;
    const known = prev?.logins[tag];
    const entry = known ? currentAuths[known.host] : undefined;
    if (known && isObj(entry) && typeof entry.auth === 'string' && Date.parse(known.expiresAt) - Date.now() > RENEW_MS) {
      auths[known.host] = { auth: entry.auth };
      logins[tag] = known;
      continue;
    }
    const { ecrAuthorization } = await import('../aws/ecr.ts');
    const l = await ecrAuthorization(creds, i.accountId, i.region, res.identity).catch(async (err: unknown) => {
      throw await (await import('./denied.ts')).explainDenied(err, res);
    });
    auths[l.registry] = { auth: l.auth };
    logins[tag] = { host: l.registry, expiresAt: l.expiresAt.toISOString() };
  }
  const user = readObject(join(source, 'config.json'), false);
  linkUserEntries(source, dir);
  const credHelpers: Record<string, unknown> = isObj(user.credHelpers) ? { ...user.credHelpers } : {};
  for (const host of Object.keys(auths)) {
    // With a credsStore, docker would ask the store and never look at `auths`: our own helper
    // answers for these registries (docker-credential-atmos-auth, src/commands/docker-credential.ts).
    if (typeof user.credsStore === 'string' && user.credsStore) credHelpers[host] = 'atmos-auth';
    else delete credHelpers[host];
  }
  const config: Record<string, unknown> = { ...user, auths: { ...(isObj(user.auths) ? user.auths : {}), ...auths } };
  if (Object.keys(credHelpers).length) config.credHelpers = credHelpers;
  else delete config.credHelpers;
  writePrivateFileSync(join(dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  writePrivateFileSync(join(dir, 'atmos-auth.json'), `${JSON.stringify({ source, logins } satisfies State)}\n`);
  debug(`ecr: docker config ${dir} (${Object.keys(auths).length} registr${Object.keys(auths).length === 1 ? 'y' : 'ies'}, from ${source})`);
  return dir;
}
