/**
 * `atmos-auth __complete <shell> -- WORD...` (hidden): what the shell completion scripts
 * (shell/completion.*) call on TAB. WORDs are the command line up to the word being completed
 * (the last, possibly empty). Prints the kind of completion on the first line (`values`, or `dirs`
 * / `files` for the shell's own path completion), then one candidate a line; for zsh and fish
 * `candidate<TAB>description`. Never anything else on stdout, nothing on stderr, and no network:
 * bin.ts routes it here before yargs loads (about 100 ms).
 */
import { resolve as resolvePath } from 'node:path';
import { COMMANDS, COMPLETION_SHELLS, GLOBAL_FLAGS, type CommandSpec, type FlagSpec, type Values } from './completion-table.ts';
import type { DynamicKind } from './complete-values.ts';
import { realDir } from '../atmos/fsutil.ts';

/** What the shell should offer. */
export interface Completion {
  mode: 'values' | 'dirs' | 'files';
  items: { value: string; describe?: string }[];
}

/** The word as the shell will run it (bash hands over words as typed: quotes, backslashes). */
function unquote(w: string): string {
  let out = '';
  let q: string | null = null;
  for (let i = 0; i < w.length; i++) {
    const ch = w[i]!;
    if (q) {
      if (ch === q) q = null;
      else if (ch === '\\' && q === '"' && i + 1 < w.length) out += w[++i];
      else out += ch;
    } else if (ch === "'" || ch === '"') q = ch;
    else if (ch === '\\' && i + 1 < w.length) out += w[++i];
    else out += ch;
  }
  return out;
}

function expandHome(p: string, env: NodeJS.ProcessEnv): string {
  return p === '~' || p.startsWith('~/') ? `${env.HOME ?? ''}${p.slice(1)}` : p;
}

function findFlag(spec: CommandSpec | undefined, name: string): FlagSpec | undefined {
  const flags: Record<string, FlagSpec> = { ...GLOBAL_FLAGS, ...(spec?.flags ?? {}) };
  if (Object.hasOwn(flags, name)) return flags[name];
  if (name.startsWith('no-') && flags[name.slice(3)]?.negatable) return flags[name.slice(3)];
  return undefined;
}

function findShort(spec: CommandSpec | undefined, letter: string): FlagSpec | undefined {
  return Object.values(spec?.flags ?? {}).find((f) => f.short === letter);
}

/** Candidates for the last of `words` (words[0] is the program). */
export async function complete(words: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<Completion> {
  const none: Completion = { mode: 'values', items: [] };
  const cur = words[words.length - 1] ?? '';
  let cmd: CommandSpec | undefined;
  let sub: CommandSpec | undefined;
  let positionals = 0;
  let pending: Values | undefined;
  let afterDashes = false;
  const given: Record<string, string> = {};
  for (let i = 1; i < words.length - 1; i++) {
    const w = words[i]!;
    const spec = sub ?? cmd;
    if (afterDashes) continue;
    if (w === '--') { afterDashes = true; continue; }
    const long = /^--([a-z][a-z-]*)(=([\s\S]*))?$/.exec(w);
    const short = /^-([a-zA-Z])$/.exec(w);
    const flag = long ? findFlag(spec, long[1]!) : short ? findShort(spec, short[1]!) : undefined;
    if (long || short) {
      if (!flag?.values || long?.[2] !== undefined) {
        if (long?.[3] !== undefined) given[long[1]!] = long[3];
        continue;
      }
      if (i + 1 === words.length - 1) pending = flag.values;
      else given[long ? long[1]! : Object.entries(spec?.flags ?? {}).find(([, f]) => f === flag)![0]] = words[i + 1]!;
      i++;
      continue;
    }
    if (!cmd) {
      cmd = Object.hasOwn(COMMANDS, w) ? COMMANDS[w] : undefined;
      if (!cmd) return none; // an unknown command: nothing sensible to offer
    } else if (cmd.subcommands && !sub) {
      sub = Object.hasOwn(cmd.subcommands, w) ? cmd.subcommands[w] : undefined;
      if (!sub) return none;
    } else {
      positionals++;
      if (cmd === COMMANDS.allow || cmd === COMMANDS.deny) given.dir = w;
    }
  }
  const spec = sub ?? cmd;
  const where = unquote(expandHome(unquote(given.dir ?? given.root ?? ''), env));
  const ctx = { dir: realDir(where ? resolvePath(cwd, where) : cwd), env, ...(given.profile ? { profile: unquote(given.profile) } : {}) };
  const values = async (v: Values, prefix = ''): Promise<Completion> => {
    if (v === 'dir') return { mode: 'dirs', items: [] };
    if (v === 'file') return { mode: 'files', items: [] };
    if (v === 'text') return none;
    // The repository's values load the YAML engine: only for a TAB that needs them.
    let list = typeof v === 'string' ? await (await import('./complete-values.ts')).dynamicValues(v as DynamicKind, ctx) : [...v];
    // A comma list of profiles: complete the last one.
    let pre = prefix;
    if (v === 'profile') {
      const typed = unquote(cur.slice(prefix.length));
      const comma = typed.lastIndexOf(',');
      if (comma >= 0) pre += typed.slice(0, comma + 1);
    }
    list = [...new Set(list)].sort((a, b) => a.localeCompare(b));
    return { mode: 'values', items: list.map((x) => ({ value: pre + x })) };
  };
  if (afterDashes) return spec === COMMANDS.exec ? { mode: 'files', items: [] } : none;
  if (pending) return values(pending);
  if (cur.startsWith('-')) {
    const eq = /^--([a-z][a-z-]*)=/.exec(cur);
    if (eq) {
      const f = findFlag(spec, eq[1]!);
      return f?.values ? values(f.values, eq[0]) : none;
    }
    const flags = { ...(spec?.flags ?? {}), ...(cmd ? { help: GLOBAL_FLAGS.help! } : GLOBAL_FLAGS) };
    const items = Object.entries(flags).flatMap(([name, f]) => [
      { value: `--${name}`, describe: f.describe },
      ...(f.negatable ? [{ value: `--no-${name}`, describe: `not: ${f.describe}` }] : []),
      ...(f.short ? [{ value: `-${f.short}`, describe: f.describe }] : []),
    ]);
    return { mode: 'values', items };
  }
  if (!cmd) return { mode: 'values', items: Object.entries(COMMANDS).map(([value, c]) => ({ value, describe: c.describe })) };
  if (cmd.subcommands && !sub) return { mode: 'values', items: Object.entries(cmd.subcommands).map(([value, c]) => ({ value, describe: c.describe })) };
  if (spec?.positional && positionals === 0) return values(spec.positional);
  return none;
}


/** No candidate may break the one-a-line protocol (or carry escape sequences to the terminal). */
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f]/;

/** The text the shell script reads. */
export function render(c: Completion, shell: string, cur: string): string {
  let items = c.items.filter((i) => !UNPRINTABLE.test(i.value));
  // bash puts COMPREPLY on the line as it is: only what starts with the word typed.
  if (shell === 'bash') items = items.filter((i) => i.value.startsWith(unquote(cur)));
  const lines = items.map((i) => (shell !== 'bash' && i.describe ? `${i.value}\t${i.describe.replace(UNPRINTABLE, ' ')}` : i.value));
  return [c.mode, ...lines].join('\n') + '\n';
}

/** Runs `__complete`: argv after the command name. Always exits 0, silently when it cannot help. */
export async function run(args: string[]): Promise<number> {
  const [shell, dashes, ...words] = args;
  if (!shell || !(COMPLETION_SHELLS as readonly string[]).includes(shell) || dashes !== '--' || words.length === 0) return 0;
  try {
    process.stdout.write(render(await complete(words, process.env, process.cwd()), shell, words[words.length - 1]!));
  } catch {
    // No completion is better than noise in the middle of a command line.
  }
  return 0;
}
