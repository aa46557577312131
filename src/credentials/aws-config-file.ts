/**
 * Profile mode's AWS config file: a copy of the user's own AWS config (so their profiles keep
 * working under our AWS_CONFIG_FILE) followed by one `[profile atmos-<identity>-<hash>]` per Atmos
 * identity in use, whose `credential_process` runs this CLI for that identity. The file lives in
 * the config directory, 0600, replaced atomically (rename) under a lock, so concurrent shells never
 * lose a profile and readers never see half a file.
 *
 * Nothing the Atmos config controls (identity, profile, repository path) is written into a
 * command line: it travels as `--target <base64url JSON>`, an alphabet that no INI parser, shlex
 * or /bin/sh treats specially. Only the Node and script paths are quoted (POSIX single quotes,
 * which botocore's shlex.split and the JS SDK's `/bin/sh -c` read identically), and paths that an
 * INI reader could cut (newlines, ` #`, ` ;`) are refused instead of written.
 *
 * On the warm path of `export --mode profile`: reads two small files and writes nothing when the
 * profile is already there and the user's file has not changed. Node builtins only.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { AtmosAuthError } from '../errors.ts';
import { debug } from '../log.ts';
import { paths } from '../paths.ts';
import { readPrivateFile, writePrivateFile } from '../util/secure-file.ts';

/** What a generated profile stands for: everything credential-process needs, pinned. */
export interface ProfileTarget {
  identity: string;
  /** Atmos profiles in merge order ([] = none, even when the child has ATMOS_PROFILE set). */
  profiles: string[];
  /** Directory of the repository's atmos.yaml. */
  root: string;
  region: string | null;
  /** ATMOS_CLI_CONFIG_PATH / ATMOS_BASE_PATH as they were when the profile was made (pinned too). */
  cliConfigPath?: string;
  basePath?: string;
}

/** Where the user's own config came from (recorded in the generated file's header). */
export interface ConfigSource {
  path: string;
  /** true: from AWS_CONFIG_FILE (restored as such when leaving profile mode); false: the default. */
  fromEnv: boolean;
}

const HEADER = '# atmos-auth-source: ';
const ENTRY = '# atmos-auth-profile: ';
const BEGIN = '# ---- begin copy of your AWS config (edit that file, not this one) ----';
const END = '# ---- end copy; atmos-auth profiles follow ----';

/** Profile mode cannot be set up (an unusable path, a broken file). */
export class ProfileModeError extends AtmosAuthError {}

/** JSON with every character outside printable ASCII escaped: one safe comment line whatever it holds. */
function safeJson(v: unknown): string {
  return JSON.stringify(v).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The target as one `--target` word: base64url of its JSON ([A-Za-z0-9_-] only). */
export function encodeTarget(t: ProfileTarget): string {
  const o: Record<string, unknown> = { v: 1, i: t.identity, p: t.profiles, r: t.root };
  if (t.region) o.g = t.region;
  if (t.cliConfigPath) o.c = t.cliConfigPath;
  if (t.basePath) o.b = t.basePath;
  return Buffer.from(JSON.stringify(o), 'utf8').toString('base64url');
}

const str = (v: unknown): v is string => typeof v === 'string';

/** Inverse of encodeTarget; a UsageError-like ProfileModeError when the word is not one. */
export function decodeTarget(word: string): ProfileTarget {
  let o: Record<string, unknown> | null = null;
  if (/^[A-Za-z0-9_-]+$/.test(word)) {
    try {
      o = JSON.parse(Buffer.from(word, 'base64url').toString('utf8')) as Record<string, unknown>;
    } catch {
      o = null;
    }
  }
  if (!o || o.v !== 1 || !str(o.i) || !o.i || !str(o.r) || !Array.isArray(o.p) || !o.p.every(str)) {
    throw new ProfileModeError('--target is not a value atmos-auth wrote', { hint: 'run `atmos-auth export --mode profile` again in the repository to rewrite the profile' });
  }
  const t: ProfileTarget = { identity: o.i, profiles: o.p as string[], root: o.r, region: str(o.g) ? o.g : null };
  if (str(o.c)) t.cliConfigPath = o.c;
  if (str(o.b)) t.basePath = o.b;
  return t;
}

/** `atmos-plat-dev-terraform-1a2b3c4d5e`: readable part from the identity, hash of everything pinned. */
export function profileNameFor(t: ProfileTarget): string {
  const slug = t.identity.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40).replace(/-+$/, '') || 'identity';
  const hash = createHash('sha256').update(JSON.stringify([t.root, t.profiles, t.identity, t.region ?? '', t.cliConfigPath ?? '', t.basePath ?? ''])).digest('hex').slice(0, 10);
  return `atmos-${slug}-${hash}`;
}

/** True for names profileNameFor can produce (what we write into a section header). */
export function isGeneratedProfileName(name: string): boolean {
  return /^atmos-[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?-[0-9a-f]{10}$/.test(name);
}

/** One POSIX single-quoted word: read the same by /bin/sh and by Python's shlex.split. */
function quoteWord(s: string): string {
  return /^[A-Za-z0-9_./+,:@%=-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}

/**
 * The `credential_process` value for `cmd` (node binary + script) and an encoded target. Throws
 * ProfileModeError for a path no INI reader keeps intact: control characters (a newline would end
 * the value), or `#`/`;` after whitespace (the JS SDK's reader cuts the line there).
 */
export function credentialProcessLine(cmd: readonly string[], target: string): string {
  for (const w of cmd) {
    if (!w.startsWith('/')) throw new ProfileModeError(`profile mode needs an absolute path to run atmos-auth, not ${safeJson(w)}`);
    if (/[\x00-\x1f\x7f\u0085\u2028\u2029]/.test(w)) throw new ProfileModeError(`profile mode cannot write the path ${safeJson(w)} into an AWS config file: it contains a control character`, { hint: 'install Node and atmos-auth under paths without control characters' });
  }
  if (!/^[A-Za-z0-9_-]+$/.test(target)) throw new ProfileModeError('internal: target is not base64url');
  const line = [...cmd.map(quoteWord), 'credential-process', '--target', target].join(' ');
  if (/\s[#;]/.test(line)) throw new ProfileModeError(`profile mode cannot write ${safeJson(cmd.join(' '))} into an AWS config file: a '#' or ';' after a space starts a comment for the AWS SDK for JavaScript`, { hint: 'install Node and atmos-auth under paths without " #" or " ;"' });
  return line;
}

/** The user's default config path (as botocore and the JS SDK find it without AWS_CONFIG_FILE). */
function defaultConfigPath(): string {
  return join(homedir(), '.aws', 'config');
}

function expandHome(p: string): string {
  return p.startsWith('~/') ? join(homedir(), p.slice(2)) : p;
}

/** True when `p` is a file profile mode generates (so it is never taken as the user's own). */
export function isGeneratedConfig(p: string | undefined): boolean {
  if (!p) return false;
  const abs = expandHome(p);
  return dirname(abs) === paths.config && /^aws-config(?:-[0-9a-f]{10})?$/.test(basename(abs));
}

/** The recorded source of a generated file, or null when its header is missing or unreadable. */
export function readSource(generated: string): ConfigSource | null {
  let text: string | null;
  try {
    text = readPrivateFile(generated);
  } catch {
    return null;
  }
  const line = text?.split('\n').find((l) => l.startsWith(HEADER));
  if (!line) return null;
  try {
    const o = JSON.parse(line.slice(HEADER.length)) as Record<string, unknown>;
    return str(o.path) && typeof o.fromEnv === 'boolean' ? { path: o.path, fromEnv: o.fromEnv } : null;
  } catch {
    return null;
  }
}

/** The user's own config file for this environment (seeing through a generated AWS_CONFIG_FILE). */
export function configSource(env: NodeJS.ProcessEnv = process.env): ConfigSource {
  const cur = env.AWS_CONFIG_FILE;
  if (cur && isGeneratedConfig(cur)) return readSource(expandHome(cur)) ?? { path: defaultConfigPath(), fromEnv: false };
  if (cur) return { path: expandHome(cur), fromEnv: true };
  return { path: defaultConfigPath(), fromEnv: false };
}

/** The generated file for a source: `aws-config` for the default, one per other AWS_CONFIG_FILE. */
export function generatedPathFor(src: ConfigSource): string {
  if (!src.fromEnv || src.path === defaultConfigPath()) return join(paths.config, 'aws-config');
  return join(paths.config, `aws-config-${createHash('sha256').update(src.path).digest('hex').slice(0, 10)}`);
}

function readSourceText(p: string): string {
  try {
    return readFileSync(p, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw new ProfileModeError(`cannot read your AWS config ${p}: ${(err as Error).message}`, { hint: `fix its permissions (ls -l '${p}'), or point AWS_CONFIG_FILE elsewhere` });
  }
}

/** Section name of an unindented `[name]` line, else null (indented lines continue values). */
function sectionOf(line: string): string | null {
  const m = /^\[([^\]]+)\]\s*$/.exec(line.replace(/\r$/, ''));
  return m ? m[1]!.trim() : null;
}

/** The user's text without sections we generate (a copied file must not define them twice). */
function withoutOurSections(text: string, names: ReadonlySet<string>): string {
  const out: string[] = [];
  let dropping = false;
  for (const line of text.split('\n')) {
    const s = sectionOf(line);
    if (s !== null) dropping = s.startsWith('profile ') && names.has(s.slice(8).trim());
    if (!dropping) out.push(line);
  }
  return out.join('\n');
}

/** Entries recorded after the end-of-copy marker of a generated file (each re-validated). */
export function parseEntries(text: string): ProfileTarget[] {
  const at = text.lastIndexOf(`\n${END}\n`);
  if (at < 0) return [];
  const out: ProfileTarget[] = [];
  for (const line of text.slice(at).split('\n')) {
    if (!line.startsWith(ENTRY)) continue;
    try {
      const o = JSON.parse(line.slice(ENTRY.length)) as Record<string, unknown>;
      out.push(decodeTarget(str(o.target) ? o.target : ''));
    } catch (err) {
      debug(`aws-config: ignoring a malformed profile record (${(err as Error).message})`);
    }
  }
  return out;
}

function regionLine(region: string | null): string {
  return region && /^[a-z0-9-]{1,32}$/.test(region) ? `region = ${region}\n` : '';
}

/** The whole file: header, the user's text, then our profiles (sorted, one per distinct name). */
export function renderConfig(src: ConfigSource, sourceText: string, entries: ProfileTarget[], cmd: readonly string[]): string {
  const byName = new Map<string, ProfileTarget>();
  for (const e of entries) byName.set(profileNameFor(e), e);
  let user = withoutOurSections(sourceText, new Set(byName.keys()));
  if (user && !user.endsWith('\n')) user += '\n';
  const sha = createHash('sha256').update(sourceText).digest('hex');
  let out = '# Written by atmos-auth (profile mode): your AWS config, then one profile per Atmos identity in use.\n'
    + '# Do not edit: rewritten from the source below whenever that changes (edit the source instead).\n'
    + `${HEADER}${safeJson({ path: src.path, fromEnv: src.fromEnv, sha256: sha })}\n${BEGIN}\n${user}\n${END}\n`;
  for (const name of [...byName.keys()].sort()) {
    const t = byName.get(name)!;
    if (!isGeneratedProfileName(name)) throw new ProfileModeError(`internal: bad profile name ${safeJson(name)}`);
    const target = encodeTarget(t);
    out += `\n${ENTRY}${safeJson({ identity: t.identity, profiles: t.profiles, root: t.root, target })}\n`
      + `[profile ${name}]\ncredential_process = ${credentialProcessLine(cmd, target)}\n${regionLine(t.region)}`;
  }
  return out;
}

/** True when `text` (a generated file) was made from exactly `sourceText` and has `t` as written by `cmd`. */
function upToDate(text: string, sourceText: string, t: ProfileTarget, cmd: readonly string[]): boolean {
  const sha = createHash('sha256').update(sourceText).digest('hex');
  const header = text.split('\n', 4).find((l) => l.startsWith(HEADER));
  if (!header || !header.includes(`"sha256":"${sha}"`)) return false;
  const target = encodeTarget(t);
  const want = `[profile ${profileNameFor(t)}]\ncredential_process = ${credentialProcessLine(cmd, target)}\n${regionLine(t.region)}`;
  return text.includes(`\n${want}`);
}

/** What ensureProfile made: the file for AWS_CONFIG_FILE and the name for AWS_PROFILE. */
export interface EnsuredProfile {
  file: string;
  profile: string;
  source: ConfigSource;
}

/**
 * Makes sure the generated file holds the profile for `t`, with the user's current config copied
 * in. No write when nothing changed; otherwise, under a lock, re-read, merge (keeping the other
 * shells' profiles, dropping those whose repository is gone) and replace the file atomically.
 */
export async function ensureProfile(t: ProfileTarget, o: { env?: NodeJS.ProcessEnv; cmd: readonly string[] }): Promise<EnsuredProfile> {
  const source = configSource(o.env ?? process.env);
  const file = generatedPathFor(source);
  const profile = profileNameFor(t);
  credentialProcessLine(o.cmd, encodeTarget(t)); // fail early, before any lock, on an unusable path
  const current = readPrivateFile(file);
  if (current !== null && upToDate(current, readSourceText(source.path), t, o.cmd)) {
    debug(`aws-config: ${profile} already in ${file}`);
    return { file, profile, source };
  }
  // Imported here, not at the top: this module is on the hot path, proper-lockfile is not.
  const { withLock } = await import('../util/lock.ts');
  await withLock(`aws-config ${file}`, async () => {
    const text = readPrivateFile(file) ?? '';
    const sourceText = readSourceText(source.path);
    if (upToDate(text, sourceText, t, o.cmd)) return;
    const entries = parseEntries(text).filter((e) => profileNameFor(e) !== profile && existsSync(e.root));
    entries.push(t);
    await writePrivateFile(file, renderConfig(source, sourceText, entries, o.cmd));
    debug(`aws-config: wrote ${file} with ${entries.length} atmos-auth profile(s)`);
  });
  return { file, profile, source };
}
