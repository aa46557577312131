/** One resolution run's file access: parses each file at most once and records what was read. */
import { Trace, gitRootOf } from './fsutil.ts';
import { readYamlFileCached } from './parse-cache.ts';
import { Confinement, readRepoFile } from './repo-files.ts';
import { parseYaml, type TagContext } from './yaml.ts';

/** Reads YAML for one run: cached, traced, with the run's environment for `!env`. */
export class Reader {
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly trace = new Trace();
  /** The directories this run may read from (symlinks leaving them are not followed). */
  readonly confine = new Confinement();
  /** Atmos config root, once known (fallback of `!repo-root` outside git). */
  configRoot: string | undefined;
  private readonly cache = new Map<string, unknown>();
  private readonly ctx: TagContext;

  /** Directory of the cross-run parse cache (parse-cache.ts); none: parse every file. */
  private readonly parseCacheDir: string | undefined;

  constructor(cwd: string, env: NodeJS.ProcessEnv, parseCacheDir?: string) {
    this.cwd = cwd;
    this.env = env;
    this.parseCacheDir = parseCacheDir;
    this.ctx = { env, repoRoot: () => gitRootOf(this.cwd) ?? this.configRoot };
  }

  /** Parsed content of a YAML file (ConfigError with file:line:col on bad YAML). */
  yaml(file: string): unknown {
    if (this.cache.has(file)) return this.cache.get(file);
    this.trace.file(file);
    const read = (f: string) => readRepoFile(f, this.confine);
    const v = this.parseCacheDir ? readYamlFileCached(file, this.ctx, this.parseCacheDir, Date.now(), read) : parseYaml(read(file), file, this.ctx);
    this.cache.set(file, v);
    return v;
  }

  /** Parses text that came from `file` after a transformation (templates); cached by file. */
  yamlText(file: string, text: string): unknown {
    const key = `${file}\0rendered\0${text.length}\0${text}`;
    if (this.cache.has(key)) return this.cache.get(key);
    const v = parseYaml(text, file, this.ctx);
    this.cache.set(key, v);
    return v;
  }

  /** Raw text of a file, traced (readRepoFile: regular files only, size-limited, confined). */
  text(file: string): string {
    this.trace.file(file);
    return readRepoFile(file, this.confine);
  }
}
