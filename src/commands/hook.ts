/** `atmos-auth hook zsh|bash|fish`: the script to eval in the shell's rc file. */
import { asHookShell, hookScript } from '../shell/scripts.ts';

export async function run(args: { shell?: string }): Promise<number> {
  process.stdout.write(hookScript(asHookShell(args.shell ?? '')));
  return 0;
}
