// AWS errors and how each protocol puts them on the wire. Handlers throw AwsError; the server
// renders it for the protocol of the route (what the SDKs' deserializers read: the
// x-amzn-ErrorType header for REST-JSON, <Error><Code> for the STS query protocol).
import type { ServerResponse } from 'node:http';

/** The wire protocol of a route. */
export type Protocol = 'oidc' | 'portal' | 'sts' | 'plain';

/** An error as AWS would answer it. */
export class AwsError extends Error {
  readonly type: string;
  readonly status: number;
  constructor(type: string, message: string, status?: number) {
    super(message);
    this.type = type;
    this.status = status ?? defaultStatus(type);
  }
}

const STATUS: Record<string, number> = {
  // SSO OIDC
  AccessDeniedException: 400, AuthorizationPendingException: 400, ExpiredTokenException: 400,
  InternalServerException: 500, InvalidClientException: 401, InvalidClientMetadataException: 400,
  InvalidGrantException: 400, InvalidRedirectUriException: 400, InvalidRequestException: 400,
  InvalidRequestRegionException: 400, InvalidScopeException: 400, SlowDownException: 400,
  UnauthorizedClientException: 400, UnsupportedGrantTypeException: 400,
  // SSO portal
  UnauthorizedException: 401, ForbiddenException: 403, ResourceNotFoundException: 404,
  TooManyRequestsException: 429,
  // STS
  AccessDenied: 403, ExpiredToken: 400, InvalidIdentityToken: 400, InvalidClientTokenId: 403,
  SignatureDoesNotMatch: 403, MissingAuthenticationToken: 403, IncompleteSignature: 400,
  Throttling: 400, ValidationError: 400, InvalidAction: 400, InvalidParameterValue: 400,
  MissingParameter: 400, InternalFailure: 500, ServiceUnavailable: 503, RegionDisabledException: 403,
  // the emulator's own endpoints
  NotFound: 404, Unauthorized: 401,
};

/** The HTTP status AWS uses for an error type (400 when unknown). */
export function defaultStatus(type: string): number {
  return STATUS[type] ?? 400;
}

/** The error type a fault with only a status answers with, per protocol. */
export function defaultType(protocol: Protocol, status: number): string {
  if (status === 429) return protocol === 'sts' ? 'Throttling' : 'TooManyRequestsException';
  if (status === 503) return protocol === 'sts' ? 'ServiceUnavailable' : 'InternalServerException';
  if (status >= 500) return protocol === 'sts' ? 'InternalFailure' : 'InternalServerException';
  if (status === 401) return protocol === 'oidc' ? 'InvalidClientException' : 'UnauthorizedException';
  if (status === 403) return protocol === 'sts' ? 'AccessDenied' : protocol === 'oidc' ? 'AccessDeniedException' : 'ForbiddenException';
  if (status === 404) return 'ResourceNotFoundException';
  return protocol === 'sts' ? 'ValidationError' : 'InvalidRequestException';
}

// SSO OIDC's body carries the OAuth 2.0 error code next to the header's exception name.
const OAUTH_CODES: Record<string, string> = {
  AccessDeniedException: 'access_denied', AuthorizationPendingException: 'authorization_pending',
  ExpiredTokenException: 'expired_token', InternalServerException: 'server_error',
  InvalidClientException: 'invalid_client', InvalidClientMetadataException: 'invalid_client_metadata',
  InvalidGrantException: 'invalid_grant', InvalidRedirectUriException: 'invalid_redirect_uri',
  InvalidRequestException: 'invalid_request', InvalidScopeException: 'invalid_scope',
  SlowDownException: 'slow_down', UnauthorizedClientException: 'unauthorized_client',
  UnsupportedGrantTypeException: 'unsupported_grant_type',
};

/** Escapes text for XML element content. */
export function xmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]};`);
}

/** The STS XML namespace. */
export const STS_NS = 'https://sts.amazonaws.com/doc/2011-06-15/';

/** Writes `err` the way `protocol` sends errors. */
export function sendError(res: ServerResponse, protocol: Protocol, err: AwsError, requestId: string): void {
  if (protocol === 'sts') {
    const fault = err.status >= 500 ? 'Receiver' : 'Sender';
    const body =
      `<ErrorResponse xmlns="${STS_NS}">\n  <Error>\n    <Type>${fault}</Type>\n    <Code>${xmlEscape(err.type)}</Code>\n` +
      `    <Message>${xmlEscape(err.message)}</Message>\n  </Error>\n  <RequestId>${requestId}</RequestId>\n</ErrorResponse>\n`;
    res.writeHead(err.status, { 'content-type': 'text/xml', 'x-amzn-RequestId': requestId });
    res.end(body);
    return;
  }
  const body =
    protocol === 'oidc'
      ? { error: OAUTH_CODES[err.type] ?? err.type, error_description: err.message }
      : { message: err.message };
  res.writeHead(err.status, {
    'content-type': 'application/json',
    'x-amzn-ErrorType': err.type,
    'x-amzn-RequestId': requestId,
  });
  res.end(JSON.stringify(body));
}
