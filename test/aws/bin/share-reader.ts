// Child for the race test: reads both caches in a loop with atmos-auth's reader until the stop
// file appears, and counts what it saw. Any exception fails the run (exit code 1).
// argv[2]: JSON {provider, cliFile, atmosFile, stopFile}.
import { existsSync, readFileSync } from 'node:fs';
import { readTokenFile } from '../../../src/aws/token-cache.ts';

const a = JSON.parse(process.argv[2] ?? '{}') as { provider: { startUrl: string; region: string }; cliFile: string; atmosFile: string; stopFile: string };
const stats = { reads: 0, atmosTokens: 0, atmosAbsent: 0, cliTokens: 0, cliAbsent: 0, cliRawParseFailures: 0, atmosRawParseFailures: 0, bad: [] as string[] };
const wellFormed = (t: { accessToken: string; expiresAt: Date; refreshToken?: string; clientSecret?: string }) =>
  /^(w\d|atmos)-\d+-(x|y){1500}$/.test(t.accessToken) && t.expiresAt.getTime() > Date.now() && !!t.refreshToken && !!t.clientSecret && t.clientSecret.length > 600;
while (!existsSync(a.stopFile)) {
  stats.reads++;
  const at = readTokenFile(a.atmosFile, 'atmos-cache');
  if (!at) stats.atmosAbsent++;
  else if (wellFormed(at)) stats.atmosTokens++;
  else stats.bad.push(`atmos: ${at.accessToken.slice(0, 20)}`);
  const ct = readTokenFile(a.cliFile, 'aws-cli-cache');
  if (!ct) stats.cliAbsent++;
  else if (wellFormed(ct)) stats.cliTokens++;
  else stats.bad.push(`cli: ${ct.accessToken.slice(0, 20)}`);
  // Only atomic writers touch the AWS CLI file: a plain read must always parse.
  try {
    if (existsSync(a.cliFile)) JSON.parse(readFileSync(a.cliFile, 'utf8'));
  } catch {
    stats.cliRawParseFailures++;
  }
  try {
    if (existsSync(a.atmosFile)) JSON.parse(readFileSync(a.atmosFile, 'utf8'));
  } catch {
    stats.atmosRawParseFailures++; // expected only while Atmos's own writer runs
  }
  if (stats.reads % 32 === 0) await new Promise((r) => setImmediate(r));
}
process.stdout.write(JSON.stringify(stats) + '\n');
