/**
 * The hot path. A shell hook runs `atmos-auth export --format zsh` on every `cd` into a stack, and
 * the AWS SDKs run `credential-process` for every credentials refresh: both must cost little more
 * than starting Node. yargs alone takes about 100 ms to load, so these invocations are parsed here
 * with node:util's parseArgs and go straight to their command module. Anything unusual (help,
 * unknown options, bad values) returns null and takes the full yargs path, which explains errors.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
// Imported statically on purpose: one bundle file to load instead of a dozen small chunks.
import { run as runCredentialProcess } from './commands/credential-process.ts';
import { run as runExport } from './commands/export.ts';

export { runCredentialProcess, runExport };

type Options = NonNullable<ParseArgsConfig['options']>;

const resolveOptions: Options = {
  dir: { type: 'string' },
  profile: { type: 'string' },
  identity: { type: 'string' },
};

interface FastCommand {
  options: Options;
  /** Options yargs would accept as `--no-X`. */
  negatable?: string[];
  /** Required options: without them, yargs reports the error. */
  required?: string[];
  /** At least one of these options is required (else yargs reports the error). */
  oneOf?: string[];
  run: (values: Record<string, unknown>) => Promise<number>;
}

const commands: Record<string, FastCommand> = {
  export: {
    options: { ...resolveOptions, format: { type: 'string' }, login: { type: 'boolean' }, mode: { type: 'string' } },
    negatable: ['login'],
    run: (v) => runExport(v),
  },
  'credential-process': {
    options: { identity: { type: 'string' }, profile: { type: 'string' }, root: { type: 'string' }, target: { type: 'string' } },
    oneOf: ['identity', 'target'],
    run: (v) => runCredentialProcess(v),
  },
};

/** A runner for argv when it is a hot-path invocation parseArgs fully understands; else null. */
export function fastCommand(argv: string[]): (() => Promise<number>) | null {
  const [name, ...rest] = argv;
  const cmd = name ? commands[name] : undefined;
  if (!cmd) return null;
  const args = rest.map((a) => {
    const m = /^--no-([a-z-]+)$/.exec(a);
    return m && cmd.negatable?.includes(m[1]!) ? `--${m[1]}=false` : a;
  });
  // parseArgs does not take `--login=false` for a boolean: turn the negations into a second pass.
  const negated = args.filter((a) => /^--[a-z-]+=false$/.test(a)).map((a) => a.slice(2, -6));
  let values: Record<string, unknown>;
  try {
    const parsed = parseArgs({ args: args.filter((a) => !/^--[a-z-]+=false$/.test(a)), options: cmd.options, strict: true, allowPositionals: false });
    values = { ...parsed.values };
  } catch {
    return null;
  }
  for (const n of negated) values[n] = false;
  if (cmd.required?.some((r) => values[r] === undefined)) return null;
  if (cmd.oneOf && !cmd.oneOf.some((r) => values[r] !== undefined)) return null;
  return () => cmd.run(values);
}
