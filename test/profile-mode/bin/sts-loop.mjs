// Calls STS GetCallerIdentity once a second for LOOP_SECONDS with the AWS SDK for JavaScript v3 and
// its default credential chain (keys from the environment, or AWS_PROFILE + credential_process),
// then prints a summary line. Used by test/profile-mode/long-running.test.ts.
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';

const secrets = ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'].filter((k) => k in process.env);
console.log(JSON.stringify({ start: true, secretsInEnv: secrets, profile: process.env.AWS_PROFILE ?? null }));
const client = new STSClient({});
const end = Date.now() + Number(process.env.LOOP_SECONDS ?? 70) * 1000;
let ok = 0;
let fail = 0;
const codes = {};
const keys = new Set();
while (Date.now() < end) {
  try {
    await client.send(new GetCallerIdentityCommand({}));
    ok++;
    const c = await client.config.credentials();
    keys.add(c.accessKeyId);
  } catch (err) {
    fail++;
    const name = err?.name ?? 'Error';
    codes[name] = (codes[name] ?? 0) + 1;
    if (fail <= 3) console.log(JSON.stringify({ error: String(err?.message ?? err).slice(0, 300) }));
  }
  await new Promise((r) => setTimeout(r, 1000));
}
console.log(JSON.stringify({ summary: true, ok, fail, codes, distinctKeys: keys.size }));
