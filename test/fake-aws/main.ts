// Runs the emulator on its own (demo, shell tests):
//   node test/fake-aws/main.ts [--scenario FILE] [--port N] [--host H]
// Prints exactly one line `FAKE_AWS_URL=http://127.0.0.1:PORT` on stdout once listening, logs each
// request (never a secret) to stderr, and exits on SIGTERM or SIGINT.
import { parseArgs } from 'node:util';
import { startFakeAws } from './server.ts';

const { values } = parseArgs({
  options: { scenario: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' }, quiet: { type: 'boolean' } },
});

const fake = await startFakeAws({
  ...(values.scenario ? { scenario: values.scenario } : {}),
  ...(values.port ? { port: Number(values.port) } : {}),
  ...(values.host ? { host: values.host } : {}),
  onRequest: (e) => {
    if (values.quiet) return;
    const { op, status, time: _time, ...rest } = e;
    const extra = Object.entries(rest).map(([k, v]) => `${k}=${v}`).join(' ');
    process.stderr.write(`fake-aws: ${op} ${status}${extra ? ' ' + extra : ''}\n`);
  },
});
process.stdout.write(`FAKE_AWS_URL=${fake.url}\n`);

let closing = false;
const stop = () => {
  if (closing) return;
  closing = true;
  void fake.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
