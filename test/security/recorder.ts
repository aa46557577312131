/**
 * A recording HTTP proxy in front of the emulator: every secret that crosses the wire in either
 * direction (SSO access/refresh tokens, client secrets, PKCE verifier, authorization and device
 * codes, role keys and session tokens, bearer headers, GitHub tokens) is collected, so a test can
 * grep every output of a session for all of them without the emulator exposing its internals.
 */
import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** JSON keys whose string values are secrets. */
const SECRET_KEYS = new Set([
  'accessToken', 'refreshToken', 'clientSecret', 'codeVerifier', 'code', 'deviceCode', 'idToken',
  'secretAccessKey', 'sessionToken', 'value', 'client_secret', 'code_verifier', 'refresh_token', 'access_token',
]);
/** STS XML elements and form fields that are secrets. */
const XML_TAGS = ['SecretAccessKey', 'SessionToken'];
const FORM_KEYS = ['WebIdentityToken', 'TokenCode'];

export interface Recorder {
  url: string;
  /** Every secret seen so far (8 characters or more). */
  secrets: Set<string>;
  /** Which kinds were seen, for asserting the session covered them. */
  kinds: Set<string>;
  close(): Promise<void>;
}

function collectJson(v: unknown, add: (kind: string, s: string) => void): void {
  if (Array.isArray(v)) for (const x of v) collectJson(x, add);
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (typeof x === 'string' && SECRET_KEYS.has(k)) add(k, x);
      else collectJson(x, add);
    }
  }
}

function collectText(text: string, add: (kind: string, s: string) => void): void {
  if (!text) return;
  try {
    collectJson(JSON.parse(text), add);
    return;
  } catch {
    // not JSON
  }
  for (const t of XML_TAGS) for (const m of text.matchAll(new RegExp(`<${t}>([^<]+)</${t}>`, 'g'))) add(t, m[1]!);
  if (/^[\w%.=&+-]*$/.test(text.trim())) {
    const q = new URLSearchParams(text.trim());
    for (const k of FORM_KEYS) {
      const v = q.get(k);
      if (v) add(k, v);
    }
  }
}

function collectHeaders(h: IncomingHttpHeaders, add: (kind: string, s: string) => void): void {
  const bearer = h['x-amz-sso_bearer_token'];
  if (typeof bearer === 'string') add('bearer', bearer);
  const auth = h.authorization;
  if (typeof auth === 'string' && /^bearer /i.test(auth)) add('github-request-token', auth.replace(/^bearer /i, ''));
  const loc = h.location;
  if (typeof loc === 'string') {
    try {
      const code = new URL(loc).searchParams.get('code');
      if (code) add('authorization-code', code);
    } catch {
      // a relative location holds no code
    }
  }
}

/** Starts a proxy to `target` (http://host:port). */
export async function startRecorder(target: string): Promise<Recorder> {
  const secrets = new Set<string>();
  const kinds = new Set<string>();
  const add = (kind: string, s: string) => {
    if (s.length < 8) return;
    secrets.add(s);
    kinds.add(kind);
  };
  const t = new URL(target);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      collectText(body.toString('utf8'), add);
      collectHeaders(req.headers, add);
      const u = new URL(req.url ?? '/', target);
      for (const k of ['code', 'code_verifier']) {
        const v = u.searchParams.get(k);
        if (v) add(`query-${k}`, v);
      }
      const up = request({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers }, (ur) => {
        const back: Buffer[] = [];
        ur.on('data', (c: Buffer) => back.push(c));
        ur.on('end', () => {
          const text = Buffer.concat(back);
          collectText(text.toString('utf8'), add);
          collectHeaders(ur.headers, add);
          res.writeHead(ur.statusCode ?? 502, ur.headers);
          res.end(text);
        });
      });
      up.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      up.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    secrets,
    kinds,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}
