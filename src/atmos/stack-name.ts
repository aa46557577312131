/**
 * The logical name of a stack, by Atmos's rule (cloudposse/atmos
 * internal/exec/describe_stacks_component_processor.go resolveStackName, and
 * internal/exec/utils.go processStackContextPrefix for `atmos terraform ... -s`), first that applies:
 *
 * 1. `name:` at the top level of the stack's deep-merged config. Atmos reads it after the imports
 *    are merged (stack_processor_process_stacks.go ProcessStackConfig: "Imports are already
 *    deep-merged into `config` by this point"), so a `name:` in an imported file names the
 *    importing stack too. Only a non-empty string counts.
 * 2. `stacks.name_template`: a Go template over the stack's sections, missing keys are errors.
 *    Atmos renders it over each component's merged section (vars, settings, env ...); atmos-auth
 *    names whole stacks, so it renders over the stack's merged manifest. The two agree unless a
 *    component overrides the vars the template reads.
 * 3. `stacks.name_pattern`: tokens `{namespace}`, `{tenant}`, `{environment}`, `{stage}`, taken from
 *    string vars (pkg/config/utils.go GetContextFromVars, GetContextPrefix). The pattern is split on
 *    `-` and only parts that are exactly a token contribute, joined with `-`; anything else in the
 *    pattern is ignored, as in Atmos. A token whose var is missing (or not a string) is an error,
 *    as `atmos terraform plan -s` reports it (`atmos describe stacks` instead silently falls back
 *    to the file name, which would hide the mistake).
 * 4. The manifest's path relative to the stacks base path, without its extension.
 */
import path from 'node:path';
import { ConfigError, formatPos, type SourcePos } from '../errors.ts';
import { compileTemplate, type CompiledTemplate } from './template.ts';

/** What stackName needs to know about one top-level manifest. */
export interface StackNameInput {
  /** Absolute path of the top-level manifest. */
  manifestPath: string;
  /** Absolute stacks base path (`stacks.base_path` resolved). */
  stacksBasePath: string;
  /** The manifest deep-merged with its imports: `vars`, `settings`, `name` ... */
  merged: Record<string, unknown>;
  /** `stacks.name_template` of the active config. */
  nameTemplate?: string;
  /** `stacks.name_pattern` of the active config. */
  namePattern?: string;
  /** Where name_template / name_pattern was written (atmos.yaml), for messages. */
  where?: SourcePos;
}

/** Extensions of stack manifests, longest first so `.yaml.tmpl` is stripped whole. */
const EXTENSIONS = ['.yaml.tmpl', '.yml.tmpl', '.yaml', '.yml'];

/**
 * The file-based stack name: the manifest path relative to the stacks base path, `/`-separated,
 * without `.yaml`, `.yml`, `.yaml.tmpl` or `.yml.tmpl`. (Atmos's describe-stacks path strips only
 * `.yaml` and `.yml`, its locals path all four; all four matches what users name.)
 */
export function stackNameFromPath(manifestPath: string, stacksBasePath: string): string {
  let rel = path.relative(stacksBasePath, manifestPath).split(path.sep).join('/');
  for (const ext of EXTENSIONS) {
    if (rel.endsWith(ext)) {
      rel = rel.slice(0, -ext.length);
      break;
    }
  }
  return rel;
}

const compiled = new Map<string, CompiledTemplate>();

function templateFor(src: string, where: SourcePos | undefined): CompiledTemplate {
  let t = compiled.get(src);
  if (!t) {
    t = compileTemplate(src, where);
    compiled.set(src, t);
  }
  return t;
}

const PATTERN_TOKENS: Record<string, string> = {
  '{namespace}': 'namespace',
  '{tenant}': 'tenant',
  '{environment}': 'environment',
  '{stage}': 'stage',
};

/** The logical name of one stack (see the module comment for the rule). Throws ConfigError. */
export function stackName(input: StackNameInput): string {
  const { manifestPath, merged, nameTemplate, namePattern, where } = input;
  const rel = () => stackNameFromPath(manifestPath, input.stacksBasePath);
  const setting = (key: string): string => `stacks.${key}${where ? ` (${formatPos(where)})` : ''}`;

  const explicit = merged['name'];
  if (typeof explicit === 'string' && explicit !== '') return explicit;

  if (nameTemplate) {
    const render = templateFor(nameTemplate, where);
    let name: string;
    try {
      name = render(merged);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      throw new ConfigError(`cannot name stack ${rel()} with ${setting('name_template')}: ${e.message}`, { file: manifestPath }, {
        hint: 'Define the value in this manifest or one of its imports, or give the manifest a top-level `name:`.',
        cause: e,
      });
    }
    if (name === '') {
      throw new ConfigError(`${setting('name_template')} gives an empty name for stack ${rel()}`, { file: manifestPath }, {
        hint: 'Check the vars the template reads, or give the manifest a top-level `name:`.',
      });
    }
    return name;
  }

  if (namePattern) {
    const vars = merged['vars'];
    const parts: string[] = [];
    for (const part of namePattern.split('-')) {
      const key = PATTERN_TOKENS[part];
      if (!key) continue;
      const v = vars !== null && typeof vars === 'object' ? (vars as Record<string, unknown>)[key] : undefined;
      if (typeof v !== 'string' || v === '') {
        throw new ConfigError(
          `${setting('name_pattern')} '${namePattern}' specifies '${key}', but stack ${rel()} does not define vars.${key}` +
            (v === undefined || v === null || v === '' ? '' : ` as a string (it is ${JSON.stringify(v)})`),
          { file: manifestPath },
          { hint: `Set vars.${key} in this manifest or one of its imports, or give the manifest a top-level \`name:\`.` },
        );
      }
      parts.push(v);
    }
    if (parts.length === 0) {
      throw new ConfigError(`${setting('name_pattern')} '${namePattern}' has no {namespace}, {tenant}, {environment} or {stage} token separated by '-'`, where);
    }
    return parts.join('-');
  }

  return rel();
}
