// The conformance suite's case runner: each case is one expectation of Atmos (a Go test, a CLI
// test case, a fixture, a PRD row), re-created as a small repository of our own files with the
// same structure, and the answer our engine gives compared with Atmos's. Every case names its
// Atmos source as `atmos: <file>:<line>` (cloudposse/atmos at 0a1cb44).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../../src/errors.ts';
import { resolveContext } from '../../src/atmos/resolve.ts';
import type { Resolution } from '../../src/atmos/types.ts';

// Not test/atmos/helpers.ts: importing it creates a HOME that nothing removes.
export const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
export const cliPath = join(projectRoot, 'dist', 'atmos-auth.mjs');

function tempDir(prefix: string): string {
  return realpathSync(mkdtempSync(join(tmpdir(), prefix)));
}

/** Writes `files` (path -> content) under a new temp dir and returns it; the caller removes it. */
export function repo(files: Record<string, string>): string {
  const root = tempDir('atmos-auth-conformance-');
  for (const [p, text] of Object.entries(files)) {
    const f = join(root, p);
    mkdirSync(dirname(f), { recursive: true });
    writeFileSync(f, text);
  }
  return root;
}

const home = tempDir('atmos-auth-conformance-home-');
// Every file importing this one gets the HOME removed when it ends, whether it uses runCases or not.
process.on('exit', () => rmSync(home, { recursive: true, force: true }));

/** A clean environment: this file's temporary HOME, nothing ATMOS_* from the caller. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, XDG_CONFIG_HOME: join(home, '.config'), ...extra };
}

/** What Atmos expects: an answer, or an error. */
export type Want =
  | { identity: string | null; source?: Resolution['source']; stacks?: string[]; profiles?: string[]; candidates?: Record<string, string | null>; chainKinds?: string[] }
  | { error: RegExp; hint?: RegExp; file?: string; line?: number };

/** One Atmos expectation. */
export interface Case {
  /** Short id, unique in the suite (INVENTORY.md refers to it). */
  id: string;
  /** `atmos: <file>:<line>` of the expectation (several separated by `; `). */
  atmos: string;
  /** What the case checks, in words; where Atmos's fixture and code disagree, which one we follow and why. */
  says: string;
  files: Record<string, string>;
  /** Directory to resolve, relative to the repository (default: its root). */
  dir?: string;
  env?: Record<string, string>;
  profile?: string;
  want: Want;
}

/**
 * An atmos.yaml with one SSO provider and permission-set identities. A name ending in `*` is
 * marked `default: true`; `extra` is appended as is (top-level keys).
 */
export function atmosYaml(identities: string[], opts: { included?: string[]; excluded?: string[]; nameTemplate?: string; extra?: string } = {}): string {
  const inc = opts.included ?? ['**/*'];
  const exc = opts.excluded ?? [];
  let s = 'base_path: "./"\nstacks:\n  base_path: stacks\n';
  s += `  included_paths: [${inc.map((p) => JSON.stringify(p)).join(', ')}]\n`;
  s += `  excluded_paths: [${exc.map((p) => JSON.stringify(p)).join(', ')}]\n`;
  if (opts.nameTemplate) s += `  name_template: ${JSON.stringify(opts.nameTemplate)}\n`;
  s += 'auth:\n  providers:\n    test-sso:\n      kind: aws/iam-identity-center\n      start_url: https://test.awsapps.com/start\n      region: us-east-1\n';
  s += '  identities:' + (identities.length ? '\n' : ' {}\n');
  for (const raw of identities) s += identityYaml(raw, '    ');
  return s + (opts.extra ?? '');
}

/** One permission-set identity in YAML (`name*` marks it default) at `indent`. */
export function identityYaml(raw: string, indent: string): string {
  const def = raw.endsWith('*');
  const name = def ? raw.slice(0, -1) : raw;
  const i = indent;
  return `${i}${JSON.stringify(name)}:\n${i}  kind: aws/permission-set\n${def ? `${i}  default: true\n` : ''}${i}  via:\n${i}    provider: test-sso\n${i}  principal:\n${i}    name: PS-${name}\n${i}    account:\n${i}      name: acct-${name}\n`;
}

/** `auth.identities` markers as a stack manifest writes them: `{a: true, b: false}`. */
export function marks(m: Record<string, boolean>): string {
  return 'auth:\n  identities:\n' + Object.entries(m).map(([k, v]) => `    ${JSON.stringify(k)}:\n      default: ${v}\n`).join('');
}

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError, got an answer');
}

/** Registers every case as a uvu test (the name carries the id and the Atmos source). */
export function runCases(cases: Case[]): void {
  const ids = new Set<string>();
  for (const c of cases) {
    if (ids.has(c.id)) throw new Error(`duplicate case id ${c.id}`);
    ids.add(c.id);
    if (!/^(\S+:\d+(-\d+)?)(; \S+:\d+(-\d+)?)*$/.test(c.atmos)) throw new Error(`${c.id}: atmos source must be file:line[; file:line...], got '${c.atmos}'`);
    test(`${c.id} (atmos: ${c.atmos}) ${c.says}`, () => {
      const root = repo(c.files);
      try {
        const run = () => resolveContext({ dir: join(root, c.dir ?? '.'), env: cleanEnv(c.env ?? {}), ...(c.profile !== undefined ? { profile: c.profile } : {}) }).resolution;
        const w = c.want;
        if ('error' in w) {
          const e = errorOf(run);
          assert.match(e.message, w.error);
          if (w.hint) assert.match(e.hint ?? '', w.hint);
          if (w.file) assert.is(e.pos?.file, join(root, w.file));
          if (w.line !== undefined) assert.is(e.pos?.line, w.line);
          return;
        }
        const r = run();
        assert.is(r.identity, w.identity, `identity (reason: ${r.reason ?? '-'})`);
        if (w.source !== undefined) assert.is(r.source, w.source, 'source');
        if (w.stacks) assert.equal([...r.stacks].sort(), [...w.stacks].sort(), 'stacks');
        if (w.profiles) assert.equal(r.profiles, w.profiles, 'profiles');
        if (w.candidates) assert.equal(r.candidates, w.candidates, 'candidates');
        else if (w.identity !== null) assert.is(r.candidates, undefined, 'no candidates');
        if (w.chainKinds) assert.equal(r.chain.map((h) => h.kind), w.chainKinds, 'chain');
        else if (w.identity !== null) assert.ok(r.chain.length >= 2, 'a chain to the identity');
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });
  }
  test.run();
}
