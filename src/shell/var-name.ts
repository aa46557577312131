/** Environment variable names we are willing to print: anything else is refused, not escaped. */
import { UsageError } from '../errors.ts';

/** Throws unless `name` is a plain variable name (letters, digits, `_`, not starting with a digit). */
export function assertVarName(name: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new UsageError(`refusing to emit invalid variable name ${JSON.stringify(name)}`);
}
