// AWS Signature Version 4 (header form), as the server side checks it: parse the Authorization
// header, rebuild the canonical request from what arrived, and compare signatures in constant time.
// Spec: https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** The parts of `Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`. */
export interface SigV4Auth {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

/** Parses the Authorization header; undefined when it is not SigV4 or is malformed. */
export function parseAuthorization(header: string | undefined): SigV4Auth | undefined {
  if (!header) return undefined;
  const m = /^AWS4-HMAC-SHA256\s+(.*)$/s.exec(header.trim());
  if (!m) return undefined;
  const parts = new Map<string, string>();
  for (const p of m[1]!.split(',')) {
    const i = p.indexOf('=');
    if (i > 0) parts.set(p.slice(0, i).trim(), p.slice(i + 1).trim());
  }
  const cred = parts.get('Credential')?.split('/');
  const signedHeaders = parts.get('SignedHeaders');
  const signature = parts.get('Signature');
  if (!cred || cred.length !== 5 || cred[4] !== 'aws4_request' || !signedHeaders || !signature) return undefined;
  return {
    accessKeyId: cred[0]!,
    date: cred[1]!,
    region: cred[2]!,
    service: cred[3]!,
    signedHeaders: signedHeaders.split(';'),
    signature,
  };
}

/** RFC 3986 encoding, as SigV4 wants it (unreserved characters kept). */
export function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/** The canonical URI of a raw (still encoded) path: normalised, each segment encoded again. */
export function canonicalUri(rawPath: string): string {
  const out: string[] = [];
  for (const seg of rawPath.split('/')) {
    if (seg === '.' ) continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  let path = out.join('/');
  if (!path.startsWith('/')) path = '/' + path;
  if (rawPath.endsWith('/') && !path.endsWith('/')) path += '/';
  return path.split('/').map(uriEncode).join('/');
}

/** The canonical query string of a raw query (without '?'). */
export function canonicalQuery(rawQuery: string): string {
  if (!rawQuery) return '';
  const pairs = rawQuery
    .split('&')
    .filter((p) => p !== '')
    .map((p) => {
      const i = p.indexOf('=');
      const k = i < 0 ? p : p.slice(0, i);
      const v = i < 0 ? '' : p.slice(i + 1);
      return [uriEncode(safeDecode(k)), uriEncode(safeDecode(v))] as const;
    });
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** What arrived, for recomputing the signature. */
export interface SignedRequest {
  method: string;
  /** Path and query as sent (req.url). */
  rawUrl: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** The canonical request text for `req` under `auth`. */
export function canonicalRequest(req: SignedRequest, auth: SigV4Auth): string {
  const q = req.rawUrl.indexOf('?');
  const rawPath = q < 0 ? req.rawUrl : req.rawUrl.slice(0, q);
  const rawQuery = q < 0 ? '' : req.rawUrl.slice(q + 1);
  const headers = auth.signedHeaders.map((name) => {
    const v = req.headers[name];
    const value = (Array.isArray(v) ? v.join(',') : (v ?? '')).trim().replace(/\s+/g, ' ');
    return `${name}:${value}\n`;
  });
  const declared = req.headers['x-amz-content-sha256'];
  const payloadHash = typeof declared === 'string' ? declared : sha256Hex(req.body);
  return [req.method, canonicalUri(rawPath), canonicalQuery(rawQuery), headers.join(''), auth.signedHeaders.join(';'), payloadHash].join('\n');
}

/** The signature `secret` gives `req` (amzDate is the X-Amz-Date value). */
export function computeSignature(req: SignedRequest, auth: SigV4Auth, amzDate: string, secret: string): string {
  const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest(req, auth))].join('\n');
  let key = hmac('AWS4' + secret, auth.date);
  key = hmac(key, auth.region);
  key = hmac(key, auth.service);
  key = hmac(key, 'aws4_request');
  return createHmac('sha256', key).update(stringToSign).digest('hex');
}

/** Why a signed request is refused (undefined: the signature is right). */
export function verifySignature(req: SignedRequest, auth: SigV4Auth, secret: string, service: string, now = Date.now()): string | undefined {
  if (auth.service !== service) return `Credential should be scoped to correct service: '${service}'.`;
  const amzDate = headerValue(req.headers, 'x-amz-date');
  if (!amzDate || !/^\d{8}T\d{6}Z$/.test(amzDate)) return 'Missing or malformed X-Amz-Date header.';
  if (!auth.signedHeaders.includes('host')) return "'Host' must be a signed header.";
  if (amzDate.slice(0, 8) !== auth.date) return `Credential should be scoped to a valid date: '${amzDate.slice(0, 8)}'.`;
  const declared = req.headers['x-amz-content-sha256'];
  if (typeof declared === 'string' && declared !== 'UNSIGNED-PAYLOAD' && declared !== sha256Hex(req.body)) {
    return 'The provided x-amz-content-sha256 header does not match what was computed.';
  }
  const when = Date.UTC(+amzDate.slice(0, 4), +amzDate.slice(4, 6) - 1, +amzDate.slice(6, 8), +amzDate.slice(9, 11), +amzDate.slice(11, 13), +amzDate.slice(13, 15));
  if (Math.abs(now - when) > 15 * 60_000) {
    return `Signature expired: ${amzDate} is now earlier or later than 15 minutes from the request time.`;
  }
  const want = Buffer.from(computeSignature(req, auth, amzDate, secret));
  const got = Buffer.from(auth.signature);
  if (want.length !== got.length || !timingSafeEqual(want, got)) {
    return 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
  }
  return undefined;
}

function headerValue(h: IncomingHttpHeaders, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * A presigned request (query-string SigV4: X-Amz-Algorithm, -Credential, -Date, -Expires,
 * -SignedHeaders, -Signature, -Security-Token), as the EKS token's GetCallerIdentity URL is: the
 * parsed credential, or undefined when the query carries no signature.
 */
export function parseQueryAuth(rawUrl: string): (SigV4Auth & { amzDate: string; expires: number; securityToken?: string }) | undefined {
  const q = new URL(rawUrl, 'http://x').searchParams;
  const cred = q.get('X-Amz-Credential')?.split('/');
  const signature = q.get('X-Amz-Signature');
  const signedHeaders = q.get('X-Amz-SignedHeaders');
  const amzDate = q.get('X-Amz-Date');
  if (q.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256' || !cred || cred.length !== 5 || cred[4] !== 'aws4_request' || !signature || !signedHeaders || !amzDate) return undefined;
  const token = q.get('X-Amz-Security-Token');
  return {
    accessKeyId: cred[0]!, date: cred[1]!, region: cred[2]!, service: cred[3]!, signedHeaders: signedHeaders.split(';'), signature,
    amzDate, expires: Number(q.get('X-Amz-Expires') ?? 0), ...(token ? { securityToken: token } : {}),
  };
}

/**
 * Why a presigned request is refused (undefined: it verifies). The canonical query is the query
 * without X-Amz-Signature, the payload hash that of the (empty) body. STS accepts such a URL for
 * 15 minutes after X-Amz-Date whatever X-Amz-Expires says up to that, which is what lets an EKS
 * token (X-Amz-Expires=60) work for 14 minutes.
 */
export function verifyPresigned(req: SignedRequest, auth: NonNullable<ReturnType<typeof parseQueryAuth>>, secret: string, service: string, now = Date.now()): string | undefined {
  if (auth.service !== service) return `Credential should be scoped to correct service: '${service}'.`;
  if (!auth.signedHeaders.includes('host')) return "'Host' must be a signed header.";
  if (!/^\d{8}T\d{6}Z$/.test(auth.amzDate) || auth.amzDate.slice(0, 8) !== auth.date) return 'X-Amz-Date is malformed or outside the credential scope.';
  if (!Number.isInteger(auth.expires) || auth.expires < 1 || auth.expires > 604800) return 'X-Amz-Expires must be a whole number of seconds.';
  const a = auth.amzDate;
  const when = Date.UTC(+a.slice(0, 4), +a.slice(4, 6) - 1, +a.slice(6, 8), +a.slice(9, 11), +a.slice(11, 13), +a.slice(13, 15));
  if (now - when > 15 * 60_000 || when - now > 5 * 60_000) return 'Request has expired.';
  const q = req.rawUrl.indexOf('?');
  const rawQuery = (q < 0 ? '' : req.rawUrl.slice(q + 1)).split('&').filter((p) => !p.startsWith('X-Amz-Signature=')).join('&');
  const unsigned: SignedRequest = { ...req, rawUrl: `${q < 0 ? req.rawUrl : req.rawUrl.slice(0, q)}?${rawQuery}`, headers: { ...req.headers } };
  delete unsigned.headers['x-amz-content-sha256'];
  const want = Buffer.from(computeSignature(unsigned, auth, auth.amzDate, secret));
  const got = Buffer.from(auth.signature);
  if (want.length !== got.length || !timingSafeEqual(want, got)) return 'The request signature we calculated does not match the signature you provided.';
  return undefined;
}
