/**
 * `atmos-auth user configure <identity>`: stores an IAM user's access keys on this machine: in the
 * OS keychain as the item Atmos's `atmos auth user configure` writes (so both tools use it), else
 * in atmos-auth's 0600 file store (src/credentials/user-store.ts decides). Keys are read from the
 * terminal without echo, or one per line from a piped stdin; never argv.
 */
import { resolve as resolvePath } from 'node:path';
import type { Resolution } from '../atmos/types.ts';
import { AtmosAuthError, UsageError } from '../errors.ts';
import { listCached, removeCached } from '../credentials/cache.ts';
import { promptLine } from '../credentials/prompt.ts';
import { resolveTarget } from '../credentials/target.ts';
import { writeUserKeys } from '../credentials/user-store.ts';
import { debug } from '../log.ts';

export interface UserArgs {
  action?: string;
  identity: string;
  dir?: string;
  profile?: string;
}

export async function run(a: UserArgs): Promise<number> {
  if (a.action && a.action !== 'configure') throw new UsageError(`unknown user action ${a.action}`, { hint: 'atmos-auth user configure <identity>' });
  let name = a.identity;
  let scope: Resolution | null = null;
  try {
    const res = await resolveTarget({ ...a });
    scope = res;
    const hop = res.chain[res.chain.length - 1];
    if (hop && hop.kind !== 'aws/user') throw new UsageError(`identity ${hop.name} is of kind ${hop.kind}, not aws/user: it has no keys to configure`);
    if (hop) name = hop.name;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    debug(`user configure: ${a.identity} not checked against the configuration (${(err as Error).message})`);
  }
  const stderr = process.stderr;
  if (process.stdin.isTTY) stderr.write(`Access keys of IAM user identity ${name} (stored on this machine only: the keychain where Atmos keeps them, else a 0600 file)\n`);
  const accessKeyId = (await promptLine('AWS access key ID: ', { stderr, secret: true })).trim();
  if (!/^[A-Z0-9]{16,128}$/.test(accessKeyId)) throw new AtmosAuthError('that does not look like an AWS access key ID (16+ capital letters and digits, e.g. AKIA...)', { hint: 'run atmos-auth user configure <identity> again and paste the key ID first, then the secret' });
  const secretAccessKey = (await promptLine('AWS secret access key: ', { stderr, secret: true })).trim();
  if (secretAccessKey.length < 16) throw new AtmosAuthError('the secret access key is too short', { hint: 'run atmos-auth user configure <identity> again and paste the whole secret (40 characters for AWS keys)' });
  // Without a resolution (an identity the configuration does not check), the configuration is
  // still found from the directory: its realm and keyring type decide where the keys go.
  const at = await writeUserKeys(name, { accessKeyId, secretAccessKey }, scope ?? { root: null, profiles: [], ...(a.dir ? { dir: resolvePath(a.dir) } : {}) });
  // Sessions minted from the old keys belong to the old keys.
  for (const e of listCached()) {
    if (e.chain.some((h) => h.kind === 'aws/user' && h.name.toLowerCase() === name.toLowerCase())) removeCached(e.key);
  }
  process.stdout.write(`stored the keys of ${name} in ${at.where}\n`);
  if (at.note) stderr.write(`atmos-auth: ${at.note}\n`);
  return 0;
}
