#!/usr/bin/env node
/**
 * The command table, nothing else: each command's module is imported only when that command runs,
 * so `atmos-auth export` never loads what `login` needs.
 */
import yargs, { type Argv } from 'yargs';
import { AtmosAuthError } from './errors.ts';

/** Options every command that resolves a directory understands. */
function withResolveOptions<T>(y: Argv<T>) {
  return y
    .option('dir', { type: 'string', describe: 'directory to resolve (default: the current one)' })
    .option('profile', { type: 'string', describe: 'Atmos profile(s), comma separated (default: $ATMOS_PROFILE)' });
}

async function main(argv: string[]): Promise<number> {
  let code = 0;
  const set = (c: number | void) => { code = c ?? 0; };
  await yargs(argv)
    .scriptName('atmos-auth')
    .usage('$0 <command>\n\nAtmos authentication in your shell: the identity of the stack you are in, as AWS credentials.')
    .command('resolve', 'which stacks and identity this directory means (offline)', (y) =>
      withResolveOptions(y).option('json', { type: 'boolean', describe: 'print JSON' }),
      async (a) => set(await (await import('./commands/resolve.ts')).run(a)))
    .command('list', 'identities of the active profile, and the stacks that default to each', (y) =>
      withResolveOptions(y).option('json', { type: 'boolean', describe: 'print JSON' }),
      async (a) => set(await (await import('./commands/list.ts')).run(a)))
    .demandCommand(1, 'name a command; `atmos-auth --help` lists them')
    .strict()
    .help()
    .version()
    .fail((msg, err) => {
      if (err) throw err;
      process.stderr.write(`atmos-auth: ${msg}\n  run \`atmos-auth --help\` for usage\n`);
      process.exit(2);
    })
    .parseAsync();
  return code;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  if (err instanceof AtmosAuthError) {
    process.stderr.write(`atmos-auth: ${err.render()}\n`);
    process.exitCode = err.exitCode;
  } else {
    process.stderr.write(`atmos-auth: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 70;
  }
}
