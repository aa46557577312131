// The GitHub Actions ID token endpoint (ACTIONS_ID_TOKEN_REQUEST_URL): GET ?audience=X with
// `Authorization: bearer <ACTIONS_ID_TOKEN_REQUEST_TOKEN>` answers {"value": "<jwt>"}.
import { randomUUID } from 'node:crypto';
import { AwsError } from './errors.ts';
import { type Ctx, sendJson } from './http.ts';
import { signJwt } from './jwt.ts';

/** GET /__github/token */
export function githubToken(ctx: Ctx): void {
  const gh = ctx.state.scenario.github;
  const auth = ctx.req.headers.authorization ?? '';
  const m = /^bearer\s+(.+)$/i.exec(auth);
  if (!m || m[1] !== gh.requestToken) throw new AwsError('Unauthorized', 'Bad credentials', 401);
  const now = Math.floor(Date.now() / 1000);
  const sub = gh.subject;
  const repo = /^repo:([^:]+)/.exec(sub)?.[1] ?? 'acme/infra';
  const ref = /:ref:(.+)$/.exec(sub)?.[1];
  const claims: Record<string, unknown> = {
    jti: randomUUID(),
    sub,
    aud: ctx.url.searchParams.get('audience') ?? `https://github.com/${repo.split('/')[0]}`,
    repository: repo,
    repository_owner: repo.split('/')[0],
    ...(ref ? { ref } : {}),
    iss: gh.issuer,
    nbf: now - 5,
    iat: now,
    exp: now + gh.tokenTtl,
    ...gh.claims,
  };
  ctx.entry.user = sub;
  sendJson(ctx, { count: 1, value: signJwt(claims, ctx.state.jwtSecret) });
}
