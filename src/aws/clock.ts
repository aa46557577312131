/**
 * This machine's clock against AWS's: the `Date` header of one plain GET to the IAM Identity Center
 * portal endpoint (no token, no signature: any answer carries a Date). SigV4 signatures are refused
 * when the request time is more than 5 minutes off AWS's (AWS Signature Version 4 docs: "the
 * request must reach AWS within five minutes of the time stamp"), so a skew breaks every STS call.
 */
import { endpointOf, httpTimeouts } from './client.ts';

/** What the probe saw: the endpoint asked and how far AWS's clock is ahead of ours (seconds). */
export interface ClockProbe {
  endpoint: string;
  /** AWS's time minus ours, seconds (Date has a one-second resolution). */
  skewSeconds: number;
  awsTime: Date;
}

/** One GET to the SSO portal endpoint of `region`; throws when it cannot be reached or has no Date. */
export async function probeClock(region: string): Promise<ClockProbe> {
  const endpoint = endpointOf('sso', region).url;
  const started = Date.now();
  const res = await fetch(endpoint, { method: 'GET', redirect: 'manual', signal: AbortSignal.timeout(httpTimeouts().requestTimeout) });
  const ended = Date.now();
  // The body is not wanted; releasing it closes the connection rather than leaving it pooled.
  await res.body?.cancel();
  const header = res.headers.get('date');
  const awsTime = header ? new Date(header) : null;
  if (!awsTime || Number.isNaN(awsTime.getTime())) throw new Error(`${endpoint} answered without a Date header`);
  // Our time is taken at the middle of the round trip, where the server stamped its answer.
  const ours = (started + ended) / 2;
  return { endpoint, skewSeconds: Math.round((awsTime.getTime() - ours) / 1000), awsTime };
}
