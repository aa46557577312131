// Child process for the concurrency test: one getSsoToken call, prints where the token came from
// (never the token). argv[2]: JSON of the provider.
import { getSsoToken } from '../../../src/aws/sso-session.ts';

const p = JSON.parse(process.argv[2] ?? '{}') as { name: string; startUrl: string; region: string };
const t = await getSsoToken(p, { login: 'if-needed', stderr: process.stderr });
process.stdout.write(JSON.stringify({ source: t.source, cacheFile: t.cacheFile, expiresAt: t.expiresAt.toISOString() }) + '\n');
