/** `atmos-auth completion zsh|bash|fish`: the completion script (shell/completion.*), running this CLI. */
import { asHookShell, renderScript } from '../shell/scripts.ts';

/** Runs the command. */
export async function run(args: { shell?: string }): Promise<number> {
  const shell = asHookShell(args.shell ?? '');
  process.stdout.write(renderScript(`completion.${shell}`, shell));
  return 0;
}
