// Shared by the Atmos tests: temporary repositories and running the built CLI.
import { spawnSync } from 'node:child_process';
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { tempDir as makeTemp } from '../helpers/tmp.ts';
import { ConfigError } from '../../src/errors.ts';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
export const cliPath = join(projectRoot, 'dist', 'atmos-auth.mjs');
export const acme = join(projectRoot, 'examples', 'acme');

/** A fresh temporary directory (realpath), removed when the process exits. */
export function tempDir(prefix = 'atmos-auth-test-'): string {
  return realpathSync(makeTemp(prefix));
}

/** Writes `files` (path -> content) under a new temp dir and returns it. */
export function repo(files: Record<string, string>): string {
  const root = tempDir();
  writeFiles(root, files);
  return root;
}

/** Writes files under `root`. */
export function writeFiles(root: string, files: Record<string, string>): void {
  for (const [p, text] of Object.entries(files)) {
    const f = join(root, p);
    mkdirSync(dirname(f), { recursive: true });
    writeFileSync(f, text);
  }
}

const home = tempDir('atmos-auth-home-');
/** A clean environment: temporary HOME, nothing ATMOS_* from the caller. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, XDG_CONFIG_HOME: join(home, '.config'), ...extra };
}

/** Runs the built CLI. */
export function cli(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}) {
  const r = spawnSync(process.execPath, [cliPath, ...args], { cwd: opts.cwd ?? projectRoot, env: cleanEnv(opts.env), encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A standard atmos.yaml in the quick-start-advanced layout. */
export const ATMOS_YAML = `base_path: "."
stacks:
  base_path: stacks
  included_paths: ["orgs/**/*"]
  excluded_paths: ["**/_defaults.yaml"]
  name_template: "{{ .vars.tenant }}-{{ .vars.environment }}-{{ .vars.stage }}"
auth:
  providers:
    sso:
      kind: aws/iam-identity-center
      start_url: https://x.awsapps.com/start
      region: us-east-1
  identities:
    a:
      kind: aws/permission-set
      via: { provider: sso }
      principal: { name: PS-A, account: { name: acct-a } }
    b:
      kind: aws/permission-set
      via: { provider: sso }
      principal: { name: PS-B, account: { id: "111111111111" } }
    fallback:
      kind: aws/permission-set
      via: { provider: sso }
      principal: { name: PS-F, account: { name: acct-f } }
`;

/** A stage leaf: `<tenant>/<stage>/<region>.yaml` importing the stage _defaults. */
export function leaf(stageDefaults: string, env: string, region: string, extra = ''): string {
  return `import:\n  - ${stageDefaults}\nvars:\n  environment: ${env}\n  region: ${region}\n${extra}`;
}

/** The ConfigError `fn` throws (any other error is rethrown; none is a failure). */
export function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}
