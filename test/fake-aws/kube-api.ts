// A fake Kubernetes API server for the EKS tests: HTTPS on loopback with a throwaway self-signed
// certificate (openssl), which authenticates each request as EKS's authenticator does: the bearer
// token `k8s-aws-v1.<base64url URL>` must be a presigned STS GetCallerIdentity URL on the
// emulator, and calling it with `x-k8s-aws-id: <this cluster>` must answer who the caller is.
// Answers GET /api/v1/namespaces/<ns>/pods with one pod named after the caller, 401 otherwise.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A running fake API server. */
export interface KubeApi {
  url: string;
  /** Base64 of the CA PEM (what DescribeCluster returns as certificateAuthority.data). */
  ca: string;
  /** Every caller ARN it authenticated, and every refusal's reason. */
  callers: string[];
  refusals: string[];
  close(): Promise<void>;
}

function selfSigned(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'atmos-auth-kube-'));
  try {
    const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=fake-eks', '-addext', 'subjectAltName=IP:127.0.0.1', '-addext', 'basicConstraints=critical,CA:TRUE',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`);
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Starts the API server of `cluster`, trusting presigned URLs on `stsUrl` only. */
export async function startKubeApi(cluster: string, stsUrl: string): Promise<KubeApi> {
  const { key, cert } = selfSigned();
  const callers: string[] = [];
  const refusals: string[] = [];
  const who = async (auth: string | undefined): Promise<string> => {
    const m = /^Bearer k8s-aws-v1\.([A-Za-z0-9_-]+)$/.exec(auth ?? '');
    if (!m) throw new Error('no k8s-aws-v1 bearer token');
    const url = Buffer.from(m[1]!, 'base64url').toString('utf8');
    if (!url.startsWith(`${stsUrl}/?`) && !url.startsWith(`${stsUrl}?`)) throw new Error(`token URL is not the STS endpoint: ${url.slice(0, 40)}`);
    const q = new URL(url).searchParams;
    if (q.get('Action') !== 'GetCallerIdentity') throw new Error('token URL is not GetCallerIdentity');
    if (!(q.get('X-Amz-SignedHeaders') ?? '').split(';').includes('x-k8s-aws-id')) throw new Error('x-k8s-aws-id is not signed');
    const res = await fetch(url, { headers: { 'x-k8s-aws-id': cluster } });
    const body = await res.text();
    if (!res.ok) throw new Error(`STS refused the token: ${/<Code>([^<]+)/.exec(body)?.[1] ?? res.status}`);
    const arn = /<Arn>([^<]+)<\/Arn>/.exec(body)?.[1];
    if (!arn) throw new Error('STS answered no Arn');
    return arn;
  };
  const server: Server = createServer({ key, cert }, (req, res) => {
    who(req.headers.authorization).then((arn) => {
      callers.push(arn);
      const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec((req.url ?? '').split('?')[0]!);
      if (!m) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 404 }));
        return;
      }
      const name = arn.split('/').slice(1, 2).join('').toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 60);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
        kind: 'PodList', apiVersion: 'v1', metadata: {},
        items: [{ kind: 'Pod', apiVersion: 'v1', metadata: { name, namespace: m[1], annotations: { 'caller-arn': arn } } }],
      }));
    }).catch((err: Error) => {
      refusals.push(err.message);
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    ca: Buffer.from(cert).toString('base64'),
    callers,
    refusals,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
