/**
 * Long-term IAM user keys (identity kind aws/user), entered once with `atmos-auth user configure`
 * and kept on this machine only: one file per identity, mode 0600 in a 0700 dir under the data
 * dir. Never read from the repository.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { debug } from '../log.ts';
import { paths } from '../paths.ts';
import { readPrivateFile, removePrivateFile, writePrivateFile } from '../util/secure-file.ts';

/** An IAM user's access key pair. */
export interface UserKeys {
  accessKeyId: string;
  secretAccessKey: string;
}

/** File holding the keys of `identity` (names match case-insensitively, as in Atmos). */
export function userKeysPath(identity: string): string {
  const h = createHash('sha256').update(identity.toLowerCase()).digest('hex').slice(0, 32);
  return join(paths.data, 'users', `${h}.json`);
}

/** The stored keys of `identity`, or null when none (or the file is unusable: see debug output). */
export function readUserKeys(identity: string): UserKeys | null {
  const text = readPrivateFile(userKeysPath(identity));
  if (text === null) return null;
  try {
    const o = JSON.parse(text) as Record<string, unknown>;
    if (typeof o.accessKeyId === 'string' && typeof o.secretAccessKey === 'string' && o.accessKeyId && o.secretAccessKey) {
      return { accessKeyId: o.accessKeyId, secretAccessKey: o.secretAccessKey };
    }
  } catch {
    // fall through: treated as absent
  }
  debug(`user keys of ${identity}: file is corrupted; run atmos-auth user configure ${identity}`);
  return null;
}

/** Stores the keys of `identity` (atomically, 0600). */
export async function writeUserKeys(identity: string, keys: UserKeys): Promise<string> {
  const file = userKeysPath(identity);
  await writePrivateFile(file, `${JSON.stringify({ identity, accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey })}\n`);
  return file;
}

/** Deletes the keys of `identity`; true when there were some. */
export function removeUserKeys(identity: string): boolean {
  return removePrivateFile(userKeysPath(identity));
}
