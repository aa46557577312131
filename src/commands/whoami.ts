/**
 * `atmos-auth whoami`: asks STS GetCallerIdentity with the directory's identity credentials, so
 * the answer is what AWS thinks, not what the config says.
 */
import { getCredentials } from '../credentials/get-credentials.ts';
import { integrationStates } from '../credentials/integrations.ts';
import { implicitPolicy, resolveTarget, roleOf } from '../credentials/target.ts';
import { rfc3339 } from '../shell/env.ts';
import { noticeUntrusted } from '../trust/trust.ts';

export interface WhoamiArgs {
  identity?: string;
  dir?: string;
  profile?: string;
  stack?: string;
  component?: string;
  json?: boolean;
  login?: boolean;
}

export async function run(a: WhoamiArgs): Promise<number> {
  const res = await resolveTarget(a);
  noticeUntrusted(res);
  const r = await getCredentials(res, { login: implicitPolicy(a.login !== false), stderr: process.stderr });
  const { getCallerIdentity } = await import('../aws/sts.ts');
  const region = res.region ?? res.chain[0]?.region ?? 'us-east-1';
  const who = await getCallerIdentity(r.credentials, region);
  const info = {
    account: who.account,
    arn: who.arn,
    userId: who.userId,
    identity: res.identity,
    profiles: res.profiles,
    stacks: res.stacks,
    role: roleOf(r.hop) ?? null,
    region: res.region,
    expiration: r.credentials.expiration ? rfc3339(r.credentials.expiration) : null,
    fromCache: r.fromCache,
    integrations: integrationStates(res),
  };
  if (a.json) {
    process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
  } else {
    const lines = [
      `identity: ${info.identity}${info.profiles.length ? ` (profile ${info.profiles.join(',')})` : ''}`,
      `account:  ${info.account}`,
      `arn:      ${info.arn}`,
    ];
    if (info.expiration) lines.push(`expires:  ${info.expiration}`);
    for (const i of info.integrations) lines.push(`${i.kind}: ${i.name}${i.target ? ` ${i.target}` : ''}: ${i.state}`);
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  return 0;
}
