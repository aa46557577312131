// HS256 JSON Web Tokens: the emulator signs the GitHub Actions ID tokens it issues and checks them
// again in AssumeRoleWithWebIdentity (the key never leaves the process).
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Signs `claims` with `key`. */
export function signJwt(claims: Record<string, unknown>, key: Buffer): string {
  const header = { alg: 'HS256', typ: 'JWT', kid: 'fake-aws' };
  const head = `${b64(JSON.stringify(header))}.${b64(JSON.stringify(claims))}`;
  return `${head}.${createHmac('sha256', key).update(head).digest('base64url')}`;
}

/** The claims of a token signed with `key`; undefined when malformed or the signature is wrong. */
export function verifyJwt(token: string, key: Buffer): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [h, p, s] = parts as [string, string, string];
  try {
    const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as { alg?: unknown };
    if (header.alg !== 'HS256') return undefined;
    const want = createHmac('sha256', key).update(`${h}.${p}`).digest();
    const got = Buffer.from(s, 'base64url');
    if (want.length !== got.length || !timingSafeEqual(want, got)) return undefined;
    const claims: unknown = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
    return claims && typeof claims === 'object' ? (claims as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The claims of any JWT, unverified (to report what a bad token claimed). */
export function peekJwt(token: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function b64(s: string): string {
  return Buffer.from(s).toString('base64url');
}
