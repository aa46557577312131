/**
 * The hot path. A shell hook runs `atmos-auth export --format zsh` on every `cd` into a stack, and
 * the AWS SDKs run `credential-process` for every credentials refresh: both must cost little more
 * than starting Node. yargs alone takes about 100 ms to load, so these invocations are parsed here
 * and go straight to their command module. Anything unusual (help, unknown options, positionals,
 * short flags, a value that looks like an option) returns null and takes the full yargs path,
 * which explains errors.
 *
 * The parser is hand-written rather than node:util's parseArgs: importing node:util makes Node
 * build its whole export list, which loads util's lazy members (TextDecoder, diff, colors) and
 * costs more than this function. It accepts what parseArgs (strict, no positionals) accepted:
 * `--name value`, `--name=value`, boolean `--flag`, `--no-flag` where yargs takes it; last wins.
 */
// Imported statically on purpose: the build puts everything these reach into one chunk of the
// full CLI, and into dist/hot.js (scripts/build.ts).
import { run as runCredentialProcess } from './commands/credential-process.ts';
import { run as runExport } from './commands/export.ts';

export { runCredentialProcess, runExport };

type Kind = 'string' | 'boolean';

interface FastCommand {
  options: Record<string, Kind>;
  /** Options yargs would accept as `--no-X`. */
  negatable?: readonly string[];
  /** Required options: without them, yargs reports the error. */
  required?: readonly string[];
  /** At least one of these options is required (else yargs reports the error). */
  oneOf?: readonly string[];
  run: (values: Record<string, unknown>) => Promise<number>;
}

const resolveOptions: Record<string, Kind> = { dir: 'string', profile: 'string', identity: 'string' };

const commands: Record<string, FastCommand> = {
  export: {
    options: { ...resolveOptions, format: 'string', login: 'boolean', mode: 'string' },
    negatable: ['login'],
    run: (v) => runExport(v),
  },
  'credential-process': {
    options: { identity: 'string', profile: 'string', root: 'string', target: 'string' },
    oneOf: ['identity', 'target'],
    run: (v) => runCredentialProcess(v),
  },
};

/** The option values of `args` for `cmd`, or null when anything is unusual (yargs decides then). */
export function parseFast(cmd: FastCommand, args: string[]): Record<string, unknown> | null {
  const values: Record<string, unknown> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const m = /^--([a-z][a-z-]*)(?:=([\s\S]*))?$/.exec(a);
    if (!m) return null;
    const [, name, inline] = m as unknown as [string, string, string | undefined];
    const kind = cmd.options[name];
    if (kind === 'string') {
      if (inline !== undefined) values[name] = inline;
      else {
        const next = args[i + 1];
        // parseArgs refused a value that starts with '-' (ambiguous); so do we.
        if (next === undefined || next.startsWith('-')) return null;
        values[name] = next;
        i++;
      }
    } else if (kind === 'boolean') {
      if (inline !== undefined) return null;
      values[name] = true;
    } else if (inline === undefined && name.startsWith('no-') && cmd.negatable?.includes(name.slice(3))) {
      values[name.slice(3)] = false;
    } else {
      return null;
    }
  }
  if (cmd.required?.some((r) => values[r] === undefined)) return null;
  if (cmd.oneOf && !cmd.oneOf.some((r) => values[r] !== undefined)) return null;
  return values;
}

/** A runner for argv when it is a hot-path invocation this parser fully understands; else null. */
export function fastCommand(argv: string[]): (() => Promise<number>) | null {
  const [name, ...rest] = argv;
  const cmd = name && Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!cmd) return null;
  const values = parseFast(cmd, rest);
  return values ? () => cmd.run(values) : null;
}
