// Child for the race test: Atmos saving its session file its own way, json.MarshalIndent then
// os.WriteFile (truncate + write in place, not atomic; test/aws/atmos-go.ts), over and over.
// argv[2]: JSON {provider, atmosFile, count}.
import { goMarshalIndent, goWriteFile } from '../atmos-go.ts';

const a = JSON.parse(process.argv[2] ?? '{}') as { provider: { startUrl: string; region: string }; atmosFile: string; count: number };
for (let i = 0; i < a.count; i++) {
  goWriteFile(a.atmosFile, goMarshalIndent({
    accessToken: `atmos-${i}-${'y'.repeat(1500)}`,
    expiresAt: new Date(Date.now() + 3600_000),
    region: a.provider.region,
    startUrl: a.provider.startUrl,
    refreshToken: `refresh-atmos-${i}`,
    clientId: 'client-atmos',
    clientSecret: `secret-atmos-${'s'.repeat(600)}`,
    registrationExpiresAt: new Date(Date.now() + 86400_000),
  }), i % 2 === 1);
  if (i % 16 === 0) await new Promise((r) => setImmediate(r));
}
process.stdout.write('done\n');
