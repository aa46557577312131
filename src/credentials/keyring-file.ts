/**
 * Atmos's `file` keyring (ATMOS_KEYRING_TYPE=file, auth.keyring.type: file): 99designs/keyring's
 * file backend, one password-encrypted file per key (pkg/keyring/file.go:61-71 opens it with
 * AllowedBackends FileBackend). Read and written here as that backend does (99designs/keyring
 * v1.2.2 file.go), with node:crypto:
 *   - the directory: ATMOS_KEYRING_FILE_PATH, else auth.keyring.spec.path, else
 *     $ATMOS_XDG_DATA_HOME|$XDG_DATA_HOME|~/.local/share + /atmos/keyring; a path with an
 *     extension means its parent (Atmos keyring_backends.go:80-93, 114-138; pkg/xdg/xdg.go:86-117);
 *     `~/` expanded (99designs file.go:39);
 *   - the file: the key with `/` and `%` percent-encoded (file.go:23-25, mtibben/percent Encode),
 *     mode 0600 (file.go:146), the directory 0700;
 *   - the content: a compact JWE (dvsekhvalnov/jose2go v1.8.0) with alg PBES2-HS256+A128KW
 *     (PBKDF2-SHA256 over "PBES2-HS256+A128KW\0" + p2s, p2c rounds, a 16-byte key wrapping the
 *     content key with AES key wrap; jose2go pbse2_hmac_aeskw.go:51-131, 8192 rounds and a 12-byte
 *     salt when writing, at most 1,300,000 rounds accepted when reading) and enc A256GCM (the
 *     protected header as additional data); its header a Go map, so keys in sorted order, with
 *     "created" (file.go:134-137);
 *   - the payload: 99designs Item as Go's encoding/json writes it (keyring.go:77-86: Key, Data as
 *     base64, Label, Description, two booleans); Data holds Atmos's envelope (keyring.ts);
 *   - the password: the variable named by ATMOS_KEYRING_PASSWORD_ENV (or auth.keyring.spec.password_env),
 *     default ATMOS_KEYRING_PASSWORD, at least 8 characters; else asked for at a terminal
 *     (Atmos pkg/keyring/file.go:140-180).
 */
import { createCipheriv, createDecipheriv, pbkdf2Sync, randomBytes } from 'node:crypto';
import { homedir } from 'node:os';
import { dirname, extname, join } from 'node:path';
import { AtmosAuthError } from '../errors.ts';
import { getPath } from '../atmos/merge.ts';
import { isPlainMap, type YamlMap } from '../atmos/yaml.ts';
import { readPrivateFile, removePrivateFile, writePrivateFile } from '../util/secure-file.ts';

const ALG = 'PBES2-HS256+A128KW';
const ENC = 'A256GCM';
/** jose2go's cap on p2c for PBES2-HS256+A128KW (pbse2_hmac_aeskw.go:16): a file cannot make us spin longer. */
const MAX_ROUNDS = 1_300_000;
const WRAP_IV = Buffer.from('A6A6A6A6A6A6A6A6', 'hex');

/** Where Atmos's file keyring is and which variable holds its password. */
export interface FileKeyringPlace {
  dir: string;
  passwordEnv: string;
}

function spec(config: YamlMap | null, key: string): string {
  const v = config ? getPath(config, 'auth', 'keyring', 'spec', key) : undefined;
  return typeof v === 'string' ? v : '';
}

/** The directory and password variable of `config`'s file keyring (see the module comment). */
export function fileKeyringPlace(config: YamlMap | null, env: NodeJS.ProcessEnv = process.env): FileKeyringPlace {
  const home = env.HOME || homedir();
  let dir = env.ATMOS_KEYRING_FILE_PATH || spec(config, 'path');
  if (!dir) dir = join(env.ATMOS_XDG_DATA_HOME || env.XDG_DATA_HOME || join(home, '.local/share'), 'atmos', 'keyring');
  if (dir === '~' || dir.startsWith('~/')) dir = join(home, dir.slice(1));
  if (extname(dir) !== '') dir = dirname(dir);
  const passwordEnv = env.ATMOS_KEYRING_PASSWORD_ENV || spec(config, 'password_env') || 'ATMOS_KEYRING_PASSWORD';
  return { dir, passwordEnv };
}

/** The file of `key` (mtibben/percent Encode(key, "/"): `/` and `%` as %XX of their bytes). */
export function fileKeyringFile(place: FileKeyringPlace, key: string): string {
  return join(place.dir, key.replace(/[%/]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`));
}

const b64u = (b: Buffer): string => b.toString('base64url');

/** Encrypts `payload` as jose2go Encrypt(payload, PBES2_HS256_A128KW, A256GCM, password, Headers{created}). */
export function jweEncrypt(payload: string, password: string, created: string = new Date().toString()): string {
  const salt = randomBytes(12);
  const rounds = 8192;
  // Go's encoding/json writes a map's keys sorted.
  const header = Buffer.from(JSON.stringify({ alg: ALG, created, enc: ENC, p2c: rounds, p2s: b64u(salt) }));
  const kek = pbkdf2Sync(password, Buffer.concat([Buffer.from(ALG), Buffer.from([0]), salt]), rounds, 16, 'sha256');
  const cek = randomBytes(32);
  const wrap = createCipheriv('id-aes128-wrap', kek, WRAP_IV);
  const wrapped = Buffer.concat([wrap.update(cek), wrap.final()]);
  const iv = randomBytes(12);
  const protectedHeader = b64u(header);
  const gcm = createCipheriv('aes-256-gcm', cek, iv);
  gcm.setAAD(Buffer.from(protectedHeader, 'ascii'));
  const ciphertext = Buffer.concat([gcm.update(payload, 'utf8'), gcm.final()]);
  return [protectedHeader, b64u(wrapped), b64u(iv), b64u(ciphertext), b64u(gcm.getAuthTag())].join('.');
}

/** Decrypts a token of jweEncrypt's kind; a wrong password or a damaged file is an AtmosAuthError naming `file`. */
export function jweDecrypt(token: string, password: string, file: string): string {
  const bad = (why: string): AtmosAuthError => new AtmosAuthError(`${file}: not readable as an Atmos file keyring entry: ${why}`);
  const parts = token.trim().split('.');
  if (parts.length !== 5) throw bad(`a JWE has 5 parts, this has ${parts.length}`);
  const [h, wrappedB64, ivB64, ctB64, tagB64] = parts as [string, string, string, string, string];
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    throw bad('its header is not JSON');
  }
  if (header.alg !== ALG || header.enc !== ENC) throw bad(`alg ${String(header.alg)} / enc ${String(header.enc)}, expected ${ALG} / ${ENC}`);
  if (header.zip !== undefined) throw bad('compressed entries are not written by Atmos');
  const rounds = header.p2c;
  if (typeof rounds !== 'number' || !Number.isInteger(rounds) || rounds < 1 || rounds > MAX_ROUNDS) throw bad('p2c out of range');
  if (typeof header.p2s !== 'string') throw bad('no p2s');
  const salt = Buffer.from(header.p2s, 'base64url');
  const kek = pbkdf2Sync(password, Buffer.concat([Buffer.from(ALG), Buffer.from([0]), salt]), rounds, 16, 'sha256');
  let cek: Buffer;
  try {
    const unwrap = createDecipheriv('id-aes128-wrap', kek, WRAP_IV);
    cek = Buffer.concat([unwrap.update(Buffer.from(wrappedB64, 'base64url')), unwrap.final()]);
  } catch {
    throw new AtmosAuthError(`${file}: the password does not open this Atmos file keyring entry`, { hint: 'set the password Atmos uses in ATMOS_KEYRING_PASSWORD (or the variable ATMOS_KEYRING_PASSWORD_ENV names)' });
  }
  if (cek.length !== 32) throw bad('content key of the wrong size');
  try {
    const gcm = createDecipheriv('aes-256-gcm', cek, Buffer.from(ivB64, 'base64url'));
    gcm.setAAD(Buffer.from(h, 'ascii'));
    gcm.setAuthTag(Buffer.from(tagB64, 'base64url'));
    return Buffer.concat([gcm.update(Buffer.from(ctB64, 'base64url')), gcm.final()]).toString('utf8');
  } catch {
    throw bad('it fails its integrity check');
  }
}

/**
 * The password of the file keyring: from its variable, else `ask` (a terminal prompt), else an
 * error saying which variable to set. Atmos wants at least 8 characters (file.go:19-20, 147-149).
 */
export async function fileKeyringPassword(place: FileKeyringPlace, ask: ((prompt: string) => Promise<string>) | null): Promise<string> {
  let pw = process.env[place.passwordEnv] ?? '';
  if (!pw && ask) pw = await ask(`Password of the Atmos file keyring ${place.dir}: `);
  if (!pw) throw new AtmosAuthError(`the Atmos file keyring ${place.dir} needs its password`, { hint: `set ${place.passwordEnv} (as for Atmos), or run the command in a terminal to be asked for it` });
  if (pw.length < 8) throw new AtmosAuthError(`the Atmos file keyring password must be at least 8 characters (as Atmos requires)`, { hint: `set a longer one in ${place.passwordEnv}` });
  return pw;
}

/** The value stored under `key`, or null when there is no file for it. */
export async function fileKeyringGet(place: FileKeyringPlace, key: string, password: () => Promise<string>): Promise<string | null> {
  const file = fileKeyringFile(place, key);
  // As every secret file here: a regular file of ours, 0600, never through a symlink.
  const token = readPrivateFile(file);
  if (token === null) return null;
  const payload = jweDecrypt(token, await password(), file);
  let item: unknown;
  try {
    item = JSON.parse(payload);
  } catch {
    throw new AtmosAuthError(`${file}: the decrypted entry is not JSON`);
  }
  if (!isPlainMap(item) || (item.Data !== null && typeof item.Data !== 'string')) throw new AtmosAuthError(`${file}: the decrypted entry is not a keyring item`);
  // Go encodes []byte as standard base64 (null when nil).
  return item.Data === null ? '' : Buffer.from(item.Data, 'base64').toString('utf8');
}

/** Stores `value` under `key` (atomically, 0600, in a 0700 directory). */
export async function fileKeyringSet(place: FileKeyringPlace, key: string, value: string, password: string): Promise<string> {
  const file = fileKeyringFile(place, key);
  // Field order of the Go struct (99designs keyring.go:77-86).
  const item = { Key: key, Data: Buffer.from(value, 'utf8').toString('base64'), Label: '', Description: '', KeychainNotTrustApplication: false, KeychainNotSynchronizable: false };
  await writePrivateFile(file, jweEncrypt(JSON.stringify(item), password));
  return file;
}

/** Deletes the entry of `key`; true when there was one. */
export function fileKeyringDelete(place: FileKeyringPlace, key: string): boolean {
  return removePrivateFile(fileKeyringFile(place, key));
}
