// The local AWS emulator: one HTTP server on loopback speaking SSO OIDC, the SSO portal and STS,
// plus the browser pages, the GitHub Actions ID token endpoint and an admin API for tests.
// Routing, faults and the request log live here; each protocol has its own module.
import { randomUUID } from 'node:crypto';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleAdmin } from './admin.ts';
import { AwsError, type Protocol, defaultStatus, defaultType, sendError } from './errors.ts';
import { githubToken } from './github.ts';
import { type Ctx, readBody, sleep } from './http.ts';
import { authorize, createToken, devicePage, registerClient, startDeviceAuthorization } from './oidc.ts';
import { getRoleCredentials, listAccountRoles, listAccounts, logout } from './portal.ts';
import { type Scenario, type ScenarioInput, loadScenario } from './scenario.ts';
import { type Fault, type RequestLogEntry, State } from './state.ts';
import { ECR_TARGET_PREFIX, handleEcr } from './ecr.ts';
import { describeCluster } from './eks.ts';
import { federation } from './signin.ts';
import { handleSts, stsParams } from './sts.ts';

export type { Scenario, ScenarioInput } from './scenario.ts';
export type { Fault, RequestLogEntry } from './state.ts';

/** Options of startFakeAws. */
export interface FakeAwsOptions {
  /** A partial scenario over the defaults, or the path of a JSON or YAML scenario file. */
  scenario?: ScenarioInput | string;
  /** Default 0 (any free port). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Called after each logged request (main.ts prints them to stderr). */
  onRequest?: (entry: RequestLogEntry) => void;
}

/** A running emulator. */
export interface FakeAws {
  /** http://127.0.0.1:PORT */
  url: string;
  /** The SDK endpoint variables (all = url) and AWS_EC2_METADATA_DISABLED=true. */
  env: Record<string, string>;
  /** The live scenario (changes apply to the next request). */
  scenario: Scenario;
  requests(): RequestLogEntry[];
  count(op: string): number;
  clearLog(): void;
  fault(f: Fault): void;
  clearFaults(): void;
  revokeTokens(filter?: { user?: string; accessToken?: string }): void;
  expireRefreshTokens(): void;
  close(): Promise<void>;
}

interface Route {
  method: string;
  path: string;
  op: string;
  protocol: Protocol;
  run: (ctx: Ctx) => void;
}

const ROUTES: Route[] = [
  { method: 'POST', path: '/client/register', op: 'RegisterClient', protocol: 'oidc', run: registerClient },
  { method: 'POST', path: '/device_authorization', op: 'StartDeviceAuthorization', protocol: 'oidc', run: startDeviceAuthorization },
  { method: 'POST', path: '/token', op: 'CreateToken', protocol: 'oidc', run: createToken },
  { method: 'GET', path: '/authorize', op: 'Authorize', protocol: 'plain', run: authorize },
  { method: 'GET', path: '/device', op: 'DeviceApprove', protocol: 'plain', run: devicePage },
  { method: 'GET', path: '/federation/credentials', op: 'GetRoleCredentials', protocol: 'portal', run: getRoleCredentials },
  { method: 'GET', path: '/assignment/accounts', op: 'ListAccounts', protocol: 'portal', run: listAccounts },
  { method: 'GET', path: '/assignment/roles', op: 'ListAccountRoles', protocol: 'portal', run: listAccountRoles },
  { method: 'POST', path: '/logout', op: 'Logout', protocol: 'portal', run: logout },
  { method: 'GET', path: '/federation', op: 'Federation', protocol: 'plain', run: federation },
  { method: 'GET', path: '/__github/token', op: 'GitHubToken', protocol: 'plain', run: githubToken },
];

const FAULT_MESSAGES: Record<string, string> = {
  TooManyRequestsException: 'Too many requests',
  Throttling: 'Rate exceeded',
  InternalServerException: 'An internal error occurred',
  InternalFailure: 'An internal error occurred',
  ServiceUnavailable: 'Service is unavailable',
};

/** Starts an emulator; resolves once it listens. */
export async function startFakeAws(opts: FakeAwsOptions = {}): Promise<FakeAws> {
  const state = new State(loadScenario(opts.scenario));
  const host = opts.host ?? '127.0.0.1';
  let baseUrl = '';

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      // Only a broken connection gets here: handle() answers every error it can.
      if (!res.headersSent) res.writeHead(500).end();
      process.emitWarning(`fake-aws: ${(err as Error)?.message ?? String(err)}`);
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', baseUrl);
    const body = await readBody(req);
    const method = req.method ?? 'GET';
    const requestId = randomUUID();
    // A skewed clock (scenario.clockSkewSeconds) shows in the Date header of every answer.
    const skew = state.scenario.clockSkewSeconds;
    if (skew) res.setHeader('date', new Date(Date.now() + skew * 1000).toUTCString());
    if (url.pathname.startsWith('/__admin/')) return handleAdmin({ method, url, body, res, state, fake });

    const entry: RequestLogEntry = { op: 'Unknown', time: Date.now(), status: 0 };
    const ctx: Ctx = { req, res, url, body, state, baseUrl, requestId, entry };
    let protocol: Protocol = 'portal';
    let run: (c: Ctx) => void;
    const route = ROUTES.find((r) => r.method === method && r.path === url.pathname);
    if (route) {
      entry.op = route.op;
      protocol = route.protocol;
      run = route.run;
    } else if (method === 'GET' && url.pathname.startsWith('/clusters/')) {
      entry.op = 'DescribeCluster';
      protocol = 'portal';
      run = describeCluster;
    } else if (method === 'POST' && url.pathname === '/' && String(req.headers['x-amz-target'] ?? '').startsWith(ECR_TARGET_PREFIX)) {
      const target = String(req.headers['x-amz-target']).slice(ECR_TARGET_PREFIX.length);
      entry.op = target;
      protocol = 'portal';
      run = (c) => handleEcr(c, target);
    } else if (url.pathname === '/' && (method === 'POST' || method === 'GET')) {
      const params = stsParams(ctx);
      entry.op = params.get('Action') ?? 'Unknown';
      protocol = 'sts';
      run = (c) => handleSts(c, params);
    } else {
      run = () => {
        throw new AwsError('UnknownOperationException', `No operation at ${method} ${url.pathname}`, 404);
      };
    }

    try {
      const fault = state.takeFault(entry.op);
      if (fault?.delayMs) await sleep(fault.delayMs);
      if (fault?.before) await fault.before();
      if (fault && (fault.status !== undefined || fault.errorType !== undefined)) {
        const type = fault.errorType ?? defaultType(protocol, fault.status ?? 500);
        throw new AwsError(type, fault.message ?? FAULT_MESSAGES[type] ?? `Injected ${type}`, fault.status ?? defaultStatus(type));
      }
      run(ctx);
    } catch (err) {
      const e = err instanceof AwsError ? err : new AwsError(protocol === 'sts' ? 'InternalFailure' : 'InternalServerException', (err as Error)?.message ?? String(err), 500);
      entry.errorType = e.type;
      if (!res.headersSent) sendError(res, protocol, e, requestId);
    }
    entry.status = res.statusCode;
    for (const k of Object.keys(entry) as Array<keyof RequestLogEntry>) if (entry[k] === undefined) delete entry[k];
    state.log.push(entry);
    opts.onRequest?.(entry);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  const fake: FakeAws = {
    url: baseUrl,
    env: {
      AWS_ENDPOINT_URL_SSO_OIDC: baseUrl,
      AWS_ENDPOINT_URL_SSO: baseUrl,
      AWS_ENDPOINT_URL_STS: baseUrl,
      AWS_ENDPOINT_URL_SIGNIN: baseUrl,
      AWS_ENDPOINT_URL_EKS: baseUrl,
      AWS_ENDPOINT_URL_ECR: baseUrl,
      AWS_EC2_METADATA_DISABLED: 'true',
    },
    scenario: state.scenario,
    requests: () => state.log.map((e) => ({ ...e })),
    count: (op) => state.log.filter((e) => e.op === op).length,
    clearLog: () => void state.log.splice(0),
    fault: (f) => state.addFault(f),
    clearFaults: () => void state.faults.splice(0),
    revokeTokens: (filter) => void state.revoke(filter),
    expireRefreshTokens: () => state.expireRefreshTokens(),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return fake;
}
