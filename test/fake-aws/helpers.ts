// Test helpers around the emulator, with the real SDK clients: a quick SSO login (authorization code
// + PKCE, the browser step done with fetch), and a process environment that never touches ~/.aws.
import { createHash, randomBytes } from 'node:crypto';
import { tempDir } from '../helpers/tmp.ts';
import { join } from 'node:path';
import type { FakeAws } from './server.ts';

/** What a login gives. Secrets: keep them out of logs. */
export interface SsoLogin {
  accessToken: string;
  refreshToken?: string;
  expiresIn?: number;
  clientId: string;
  clientSecret: string;
}

/** Points this process at the emulator and at an empty temporary HOME; returns that HOME. */
export function isolate(fake: FakeAws): string {
  const home = tempDir('fake-aws-home-');
  Object.assign(process.env, fake.env, {
    HOME: home,
    AWS_CONFIG_FILE: join(home, '.aws', 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, '.aws', 'credentials'),
    AWS_REGION: 'us-east-1',
  });
  for (const k of ['AWS_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']) delete process.env[k];
  return home;
}

/** A PKCE verifier and its S256 challenge. */
export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(48).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** Registers an authorization-code client with the real SDK. */
export async function registerAuthCodeClient(fake: FakeAws, startUrl = 'https://acme.awsapps.com/start/'): Promise<{ clientId: string; clientSecret: string }> {
  const { SSOOIDCClient, RegisterClientCommand } = await import('@aws-sdk/client-sso-oidc');
  const oidc = new SSOOIDCClient({ region: 'us-east-1', endpoint: fake.url });
  const r = await oidc.send(
    new RegisterClientCommand({
      clientName: 'fake-aws-test',
      clientType: 'public',
      scopes: ['sso:account:access'],
      grantTypes: ['authorization_code', 'refresh_token'],
      redirectUris: ['http://127.0.0.1/oauth/callback'],
      issuerUrl: startUrl,
    }),
  );
  return { clientId: r.clientId!, clientSecret: r.clientSecret! };
}

/** The /authorize URL a product would open. */
export function authorizeUrl(fake: FakeAws, p: { clientId: string; redirectUri: string; state: string; challenge: string }): string {
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: p.clientId,
    redirect_uri: p.redirectUri,
    state: p.state,
    code_challenge_method: 'S256',
    scopes: 'sso:account:access',
    code_challenge: p.challenge,
  });
  return `${fake.url}/authorize?${q}`;
}

/** Logs in (authorization code + PKCE) with the SDK; the browser hop is a fetch of /authorize. */
export async function ssoLogin(fake: FakeAws): Promise<SsoLogin> {
  const { SSOOIDCClient, CreateTokenCommand } = await import('@aws-sdk/client-sso-oidc');
  const client = await registerAuthCodeClient(fake);
  const { verifier, challenge } = pkce();
  const redirectUri = 'http://127.0.0.1:1/oauth/callback';
  const res = await fetch(authorizeUrl(fake, { ...client, redirectUri, state: 'st', challenge }), { redirect: 'manual' });
  const code = new URL(res.headers.get('location') ?? '').searchParams.get('code');
  if (!code) throw new Error(`authorize did not redirect with a code (${res.status})`);
  const oidc = new SSOOIDCClient({ region: 'us-east-1', endpoint: fake.url });
  const t = await oidc.send(
    new CreateTokenCommand({ ...client, grantType: 'authorization_code', code, redirectUri, codeVerifier: verifier }),
  );
  return {
    accessToken: t.accessToken!,
    ...(t.refreshToken ? { refreshToken: t.refreshToken } : {}),
    ...(t.expiresIn !== undefined ? { expiresIn: t.expiresIn } : {}),
    ...client,
  };
}
