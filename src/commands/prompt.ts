/**
 * `atmos-auth prompt`: the prompt segment from the environment (for tmux status lines and prompts
 * of other shells); `--init zsh|bash|fish` prints the `atmos_auth_prompt` function instead, for
 * shells that load no hook (direnv users).
 */
import { promptText } from '../shell/prompt-text.ts';
import { asHookShell, promptScript } from '../shell/scripts.ts';

export interface PromptArgs {
  init?: string;
  zsh?: boolean;
}

export async function run(a: PromptArgs): Promise<number> {
  if (a.init !== undefined) {
    process.stdout.write(promptScript(asHookShell(a.init)));
    return 0;
  }
  const text = promptText(process.env, Date.now(), { zsh: !!a.zsh });
  if (text) process.stdout.write(`${text}\n`);
  return 0;
}
