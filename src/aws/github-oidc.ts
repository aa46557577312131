/**
 * The GitHub Actions ID token: GET $ACTIONS_ID_TOKEN_REQUEST_URL&audience=<aud> with
 * `Authorization: bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN` (what actions/core getIDToken does).
 */
import { debug } from '../log.ts';
import { httpTimeouts } from './client.ts';
import { EndpointUnreachableError, GithubOidcUnavailableError } from './errors.ts';

/** The job's OIDC ID token for `audience`. Throws GithubOidcUnavailableError outside GitHub Actions. */
export async function getGithubIdToken(audience: string): Promise<string> {
  const url = process.env.ACTIONS_ID_TOKEN_REQUEST_URL;
  const bearer = process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  if (!url || !bearer) {
    if (process.env.GITHUB_ACTIONS === 'true') {
      throw new GithubOidcUnavailableError('this GitHub Actions job cannot request an OIDC token (ACTIONS_ID_TOKEN_REQUEST_URL is not set)', {
        hint: 'give the job `permissions: id-token: write` (and contents: read)',
      });
    }
    throw new GithubOidcUnavailableError('a github/oidc identity works only inside GitHub Actions (ACTIONS_ID_TOKEN_REQUEST_URL is not set)', {
      hint: 'use an SSO identity locally (--identity / ATMOS_PROFILE)',
    });
  }
  const full = new URL(url);
  if (audience) full.searchParams.set('audience', audience);
  debug(`github oidc: requesting an ID token for audience ${audience}`);
  let res: Response;
  try {
    res = await fetch(full, {
      headers: { Authorization: `bearer ${bearer}`, Accept: 'application/json; api-version=2.0' },
      signal: AbortSignal.timeout(httpTimeouts().requestTimeout),
    });
  } catch (err) {
    const detail = (err as Error).name === 'TimeoutError' ? `no answer within ${httpTimeouts().requestTimeout} ms` : ((err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message);
    throw new EndpointUnreachableError('the GitHub Actions token service', full.origin, 'ACTIONS_ID_TOKEN_REQUEST_URL', detail, err);
  }
  if (!res.ok) {
    throw new GithubOidcUnavailableError(`GitHub refused the ID token request (HTTP ${res.status})`, {
      hint: 'check that the job has `permissions: id-token: write`',
    });
  }
  const body = (await res.json().catch(() => null)) as { value?: unknown } | null;
  if (!body || typeof body.value !== 'string' || !body.value) throw new GithubOidcUnavailableError('GitHub answered the ID token request without a token', { hint: 'run the step again; the job needs permissions: id-token: write' });
  return body.value;
}
