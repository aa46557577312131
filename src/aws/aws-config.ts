/**
 * Just enough of the user's AWS config file (AWS_CONFIG_FILE or ~/.aws/config) to share the SSO
 * token cache with the AWS CLI and SDKs: which `[sso-session NAME]` (if any) describes a provider.
 * The AWS tools name the token file after that session, so we must find the same name they do.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** A parsed `[sso-session NAME]` section. */
export interface SsoSessionSection {
  name: string;
  startUrl?: string;
  region?: string;
  /** `sso_registration_scopes` parsed as the AWS CLI does; undefined when absent. */
  registrationScopes?: string[];
}

/** Path of the AWS config file as botocore and the JS SDK find it. */
export function awsConfigPath(): string {
  const env = process.env.AWS_CONFIG_FILE;
  if (env) return env.startsWith('~/') ? join(homedir(), env.slice(2)) : env;
  return join(homedir(), '.aws', 'config');
}

/**
 * Sections of an INI text as botocore's reader sees them: `[name]` headers, `key = value` (or
 * `key: value`) lines, `#`/`;` comment lines; indented lines continue a nested value and are skipped.
 * Keys are lower-cased (ConfigParser does the same).
 */
export function parseIni(text: string): Map<string, Record<string, string>> {
  const sections = new Map<string, Record<string, string>>();
  let current: Record<string, string> | null = null;
  for (const raw of text.split(/\r?\n/)) {
    if (!raw.trim() || /^\s*[#;]/.test(raw)) continue;
    if (/^\s/.test(raw) && current) continue; // sub-section / continuation line
    const header = /^\s*\[([^\]]+)\]\s*(?:[#;].*)?$/.exec(raw);
    if (header) {
      const name = header[1]!.trim().replace(/\s+/g, ' ');
      current = sections.get(name) ?? {};
      sections.set(name, current);
      continue;
    }
    const kv = /^([^=:]+)[=:](.*)$/.exec(raw);
    if (kv && current) current[kv[1]!.trim().toLowerCase()] = kv[2]!.trim();
  }
  return sections;
}

/** awscli's parse_sso_registration_scopes: comma-split, stripped, empties dropped. */
export function parseScopes(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  return raw.split(',').map((s) => s.trim()).filter(Boolean);
}

/** All `[sso-session NAME]` sections of the config file (none when it is absent or unreadable). */
export function readSsoSessions(file = awsConfigPath()): SsoSessionSection[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: SsoSessionSection[] = [];
  for (const [name, kv] of parseIni(text)) {
    const m = /^sso-session (.+)$/.exec(name);
    if (!m) continue;
    const s: SsoSessionSection = { name: m[1]!.trim() };
    if (kv.sso_start_url) s.startUrl = kv.sso_start_url;
    if (kv.sso_region) s.region = kv.sso_region;
    const scopes = parseScopes(kv.sso_registration_scopes);
    if (scopes) s.registrationScopes = scopes;
    out.push(s);
  }
  return out;
}

/** Start URLs compare equal regardless of a trailing slash and the case of the host. */
export function sameStartUrl(a: string, b: string): boolean {
  const norm = (u: string) => {
    const t = u.trim().replace(/\/+$/, '');
    try {
      const url = new URL(t);
      return `${url.protocol}//${url.host.toLowerCase()}${url.pathname.replace(/\/+$/, '')}${url.search}`;
    } catch {
      return t;
    }
  };
  return norm(a) === norm(b);
}

/**
 * The sso-session describing this start URL and region: one named like the provider wins, else the
 * first in file order. Undefined when none matches (the token cache then uses the legacy key).
 */
export function findSsoSession(p: { name: string; startUrl: string; region: string }, file?: string): SsoSessionSection | undefined {
  const matches = readSsoSessions(file).filter((s) => s.startUrl && s.region && sameStartUrl(s.startUrl, p.startUrl) && s.region === p.region);
  return matches.find((s) => s.name === p.name) ?? matches[0];
}
