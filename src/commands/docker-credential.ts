/**
 * `docker-credential-atmos-auth` (a link to the executable; `atmos-auth docker-credential` is the
 * same): a docker credential helper (the protocol of docker/docker-credential-helpers: `get` reads a
 * server URL on stdin and answers {ServerURL, Username, Secret}) that serves the ECR logins
 * atmos-auth keeps in the docker config directory of the current identity ($DOCKER_CONFIG). It is
 * what that config names in `credHelpers` for ECR registries when the user's own config has a
 * `credsStore`, which would otherwise take precedence over `auths` (src/credentials/ecr.ts).
 * `store` and `erase` change nothing: these logins are atmos-auth's to renew.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.ts';
import { readPrivateFile } from '../util/secure-file.ts';
import { writeStdout } from '../util/stdio.ts';

/** The helper protocol's answer for a registry it has nothing for. */
const NOT_FOUND = 'credentials not found in native keychain';

function auths(): Record<string, { auth?: unknown }> {
  const dir = process.env.DOCKER_CONFIG;
  if (!dir) return {};
  try {
    const v = JSON.parse(readPrivateFile(join(dir, 'config.json')) ?? '{}') as { auths?: unknown };
    return typeof v.auths === 'object' && v.auths !== null ? (v.auths as Record<string, { auth?: unknown }>) : {};
  } catch {
    return {};
  }
}

/** host[:port] of a server URL as docker passes it (https://host/, host, host:port). */
function hostOf(serverUrl: string): string {
  return serverUrl.trim().replace(/^https?:\/\//, '').replace(/\/.*$/, '');
}

export async function run(a: { action?: string }): Promise<number> {
  switch (a.action) {
    case 'get': {
      const host = hostOf(readFileSync(0, 'utf8'));
      const entry = auths()[host];
      const decoded = typeof entry?.auth === 'string' ? Buffer.from(entry.auth, 'base64').toString('utf8') : '';
      const i = decoded.indexOf(':');
      if (i < 0) {
        writeStdout(`${NOT_FOUND}\n`);
        return 1;
      }
      writeStdout(`${JSON.stringify({ ServerURL: host, Username: decoded.slice(0, i), Secret: decoded.slice(i + 1) })}\n`);
      return 0;
    }
    case 'list': {
      const out: Record<string, string> = {};
      for (const [host, e] of Object.entries(auths())) {
        if (typeof e?.auth === 'string') out[host] = Buffer.from(e.auth, 'base64').toString('utf8').split(':')[0] ?? '';
      }
      writeStdout(`${JSON.stringify(out)}\n`);
      return 0;
    }
    case 'store':
    case 'erase':
      readFileSync(0); // the protocol sends a payload; nothing to keep
      return 0;
    default:
      throw new UsageError(`docker credential helper action must be get, store, erase or list (got ${a.action ?? 'nothing'})`, { hint: 'docker runs it as docker-credential-atmos-auth get; to log in yourself: atmos-auth ecr login' });
  }
}
