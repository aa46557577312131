// Child for the race test: an atmos-auth process saving tokens the way a login or refresh does
// (src/aws/token-cache.ts writeToken and writeAtmosToken: atomic, 0600), over and over.
// argv[2]: JSON {provider, cliFile, atmosFile, count, tag}.
import { writeAtmosToken, writeToken } from '../../../src/aws/token-cache.ts';

const a = JSON.parse(process.argv[2] ?? '{}') as { provider: { startUrl: string; region: string }; cliFile: string; atmosFile: string; count: number; tag: string };
for (let i = 0; i < a.count; i++) {
  const rec = {
    startUrl: a.provider.startUrl,
    region: a.provider.region,
    accessToken: `${a.tag}-${i}-${'x'.repeat(1500)}`,
    expiresAt: new Date(Date.now() + 3600_000),
    clientId: `client-${a.tag}`,
    clientSecret: `secret-${a.tag}-${'s'.repeat(600)}`,
    registrationExpiresAt: new Date(Date.now() + 86400_000),
    refreshToken: `refresh-${a.tag}-${i}`,
  };
  await writeToken(a.cliFile, rec);
  await writeAtmosToken(a.atmosFile, rec);
}
process.stdout.write('done\n');
