// Child for the hot-path test: records every module resolved, then serves a token from the warm
// cache and peeks; prints the resolved @aws-sdk/@smithy specifiers (must be none).
import { registerHooks } from 'node:module';

const seen: string[] = [];
registerHooks({
  resolve(specifier, context, next) {
    if (/@aws-sdk|@smithy/.test(specifier)) seen.push(specifier);
    return next(specifier, context);
  },
});
const { getSsoToken, peekSsoToken } = await import('../../../src/aws/sso-session.ts');
await import('../../../src/aws/portal.ts');
await import('../../../src/aws/sts.ts');
const p = JSON.parse(process.argv[2] ?? '{}') as { name: string; startUrl: string; region: string };
const t = await getSsoToken(p, { login: 'never' });
const peek = peekSsoToken(p);
process.stdout.write(JSON.stringify({ source: t.source, peeked: !!peek, sdkModules: seen }) + '\n');
