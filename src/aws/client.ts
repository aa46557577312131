/**
 * What every AWS SDK client of atmos-auth shares: a deadline on each request, bounded retries, and
 * the mapping of transport/throttling failures to errors that name the endpoint. The SDK packages
 * themselves are loaded only here and only on demand (dynamic import), so a `cd` served from the
 * cache never parses them. Endpoints come from the SDK's own AWS_ENDPOINT_URL_* handling.
 */
import { debug } from '../log.ts';
import { AwsRequestError, EndpointUnreachableError, ThrottledError } from './errors.ts';

export type Service = 'sso-oidc' | 'sso' | 'sts' | 'eks' | 'ecr';

const SERVICE_INFO: Record<Service, { label: string; envVar: string; host: (region: string) => string }> = {
  'sso-oidc': { label: 'IAM Identity Center OIDC', envVar: 'AWS_ENDPOINT_URL_SSO_OIDC', host: (r) => `oidc.${r}.amazonaws.com` },
  sso: { label: 'the IAM Identity Center portal', envVar: 'AWS_ENDPOINT_URL_SSO', host: (r) => `portal.sso.${r}.amazonaws.com` },
  sts: { label: 'AWS STS', envVar: 'AWS_ENDPOINT_URL_STS', host: (r) => `sts.${r}.amazonaws.com` },
  eks: { label: 'Amazon EKS', envVar: 'AWS_ENDPOINT_URL_EKS', host: (r) => `eks.${r}.amazonaws.com` },
  ecr: { label: 'Amazon ECR', envVar: 'AWS_ENDPOINT_URL_ECR', host: (r) => `api.ecr.${r}.amazonaws.com` },
};

/** Per-request deadline in ms (ATMOS_AUTH_HTTP_TIMEOUT_MS, default 10 s); connecting gets at most 3 s. */
export function httpTimeouts(): { connectionTimeout: number; requestTimeout: number } {
  const raw = Number(process.env.ATMOS_AUTH_HTTP_TIMEOUT_MS);
  const requestTimeout = Number.isFinite(raw) && raw > 0 ? raw : 10_000;
  return { connectionTimeout: Math.min(3000, requestTimeout), requestTimeout };
}

/** Configuration common to all clients: region, 3 attempts with the SDK's backoff, deadlines. */
export function baseClientConfig(region: string) {
  const t = httpTimeouts();
  return {
    region,
    maxAttempts: 3,
    // Without throwOnRequestTimeout, current @smithy/node-http-handler only warns when requestTimeout passes.
    requestHandler: { connectionTimeout: t.connectionTimeout, requestTimeout: t.requestTimeout, throwOnRequestTimeout: true },
  };
}

/**
 * The endpoint a client will use, for messages and for the un-modelled /authorize page: the
 * service-specific variable, then AWS_ENDPOINT_URL, as the SDKs read them, else the public one.
 */
export function endpointOf(service: Service, region: string): { url: string; envVar: string; label: string; overridden: boolean } {
  const info = SERVICE_INFO[service];
  const ignore = (process.env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ?? '').toLowerCase() === 'true';
  const configured = ignore ? undefined : process.env[info.envVar] || process.env.AWS_ENDPOINT_URL;
  return { url: configured || `https://${info.host(region)}`, envVar: info.envVar, label: info.label, overridden: !!configured };
}

/** Loads @aws-sdk/client-sso-oidc. */
export function loadOidc() {
  return import('@aws-sdk/client-sso-oidc');
}
/** Loads @aws-sdk/client-sso (the portal). */
export function loadPortal() {
  return import('@aws-sdk/client-sso');
}
/** Loads @aws-sdk/client-sts. */
export function loadSts() {
  return import('@aws-sdk/client-sts');
}

/** The shape of SDK service exceptions we look at (names and metadata, never message parsing). */
export interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number; attempts?: number };
  $retryable?: unknown;
  cause?: unknown;
}

const NET_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ECONNABORTED']);
const THROTTLE_NAMES = new Set(['ThrottlingException', 'Throttling', 'TooManyRequestsException', 'RequestLimitExceeded', 'ThrottledException']);

/** Name of an SDK error, or '' when it is not an object. */
export function errName(err: unknown): string {
  return (err as SdkError | null)?.name ?? '';
}

/** True for failures of the transport (nothing usable came back). */
export function isNetworkError(err: unknown): boolean {
  const e = err as SdkError | null;
  if (!e || typeof e !== 'object') return false;
  if (e.$metadata?.httpStatusCode) return false;
  if (e.name === 'TimeoutError' || e.name === 'RequestTimeout') return true;
  if (e.code && NET_CODES.has(e.code)) return true;
  const inner = e.cause as SdkError | undefined;
  return !!inner && typeof inner === 'object' && !!inner.code && NET_CODES.has(inner.code);
}

/**
 * Maps what no specific handler claimed: transport failures -> EndpointUnreachableError,
 * throttling -> ThrottledError, any other AWS answer -> AwsRequestError. Never includes secrets:
 * SDK messages for these services do not echo request parameters.
 */
export function mapCommonError(err: unknown, service: Service, op: string, region: string): Error {
  const e = (err ?? {}) as SdkError;
  const ep = endpointOf(service, region);
  if (isNetworkError(err)) {
    const detail = e.name === 'TimeoutError' || e.code === 'ETIMEDOUT' ? `no answer within ${httpTimeouts().requestTimeout} ms` : (e.code ?? e.name ?? 'network error');
    debug(`${service} ${op}: network failure ${e.name ?? ''} ${e.code ?? ''}`);
    return new EndpointUnreachableError(ep.label, ep.url, ep.envVar, detail, err);
  }
  const status = e.$metadata?.httpStatusCode;
  if (THROTTLE_NAMES.has(e.name ?? '') || status === 429) return new ThrottledError(ep.label, op, err);
  if (err instanceof Error && e.$metadata === undefined && !(status)) {
    // Not an AWS answer at all (a bug or an unexpected local failure): keep it as it is.
    return err;
  }
  return new AwsRequestError(ep.label, op, e.name ?? 'Error', status, oneLine(e.message), err);
}

function oneLine(s: string | undefined): string {
  return (s ?? '').replace(/\s+/g, ' ').trim().slice(0, 300);
}
