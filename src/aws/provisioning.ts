/**
 * Provisioning identities the way Atmos does for `auto_provision_identities: true`: after a sign-in,
 * ListAccounts and ListAccountRoles, then one `aws/permission-set` identity per account and role,
 * named `<account name>/<role name>` (Atmos pkg/auth/providers/aws/sso_provisioning.go:110-152),
 * written to the file Atmos's loader imports (src/atmos/provisioned.ts) in the layout of
 * pkg/auth/provisioning/writer.go:97-127 buildConfig, as gopkg.in/yaml.v3 marshals it. So both
 * tools see the same set, whichever of them signed in.
 */
import { provisionedFile } from '../atmos/provisioned.ts';
import { debug } from '../log.ts';
import { removePrivateFile, writePrivateFile } from '../util/secure-file.ts';
import { listAccountRoles, listAccounts } from './portal.ts';
import type { SsoProvider, SsoToken } from './sso-session.ts';

/** One provisioned identity, in Atmos's schema.Identity field order (pkg/schema/schema_auth.go:69-91). */
export interface ProvisionedIdentity {
  kind: 'aws/permission-set';
  provider: string;
  via: { provider: string };
  principal: { account: { id: string; name: string }; name: string };
}

/** What a provisioning run found and wrote. */
export interface ProvisionResult {
  file: string;
  accounts: number;
  roles: number;
  identities: Map<string, ProvisionedIdentity>;
}

/**
 * Lists the accounts and roles of the signed-in user and writes the provisioned-identities file of
 * `provider` (its name as configured; Atmos writes the identities' provider fields with the name it
 * knows, lower-cased by Viper). An account whose roles cannot be listed is skipped, as in Atmos
 * (sso_provisioning.go:118-122). Nothing is written when no identity was found (Atmos keeps the old
 * file then too: pkg/auth/manager_chain.go:524-528).
 */
export async function provisionIdentities(p: SsoProvider, token: SsoToken, env: NodeJS.ProcessEnv = process.env, now = new Date()): Promise<ProvisionResult | null> {
  const accounts = await listAccounts(p, token, { fresh: true });
  const name = p.name.toLowerCase();
  const identities = new Map<string, ProvisionedIdentity>();
  let roles = 0;
  for (const a of accounts) {
    let list: string[];
    try {
      list = await listAccountRoles(p, token, a.accountId);
    } catch (err) {
      debug(`provisioning ${p.name}: skipping account ${a.accountName} (${a.accountId}): ${(err as Error).message}`);
      continue;
    }
    for (const role of list) {
      roles++;
      identities.set(`${a.accountName}/${role}`, {
        kind: 'aws/permission-set',
        provider: name,
        via: { provider: name },
        principal: { account: { id: a.accountId, name: a.accountName }, name: role },
      });
    }
  }
  debug(`provisioning ${p.name}: ${accounts.length} accounts, ${roles} roles, ${identities.size} identities`);
  if (!identities.size) return null;
  const file = provisionedFile(env, p.name);
  const doc = {
    auth: {
      _metadata: {
        counts: { accounts: accounts.length, identities: identities.size, roles },
        extra: { region: p.region, start_url: p.startUrl },
        provider: name,
        provisioned_at: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
        source: name,
      },
      identities: Object.fromEntries(identities),
    },
  };
  // Atmos writes 0600 in 0700 directories with os.WriteFile (writer.go:31-32, :90); ours is atomic too.
  await writePrivateFile(file, marshalYaml(doc));
  return { file, accounts: accounts.length, roles, identities };
}

/** Removes a provider's provisioned identities (as Atmos's logout does: manager_logout.go:401-420). */
export function removeProvisioned(providerName: string, env: NodeJS.ProcessEnv = process.env): boolean {
  return removePrivateFile(provisionedFile(env, providerName));
}

// ---- YAML as gopkg.in/yaml.v3 Marshal writes it (4-space indent) ----

/**
 * yaml.v3's key order for a Go map (its keyList sort): runs of digits compare as numbers; a letter
 * sorts after a non-letter unless the preceding characters were digits; otherwise by code point.
 * Struct fields (the identities' entries) keep their declaration order instead.
 */
export function yamlV3KeyLess(a: string, b: string): boolean {
  const ar = [...a];
  const br = [...b];
  const isLetter = (c: string) => /\p{L}/u.test(c);
  const isDigit = (c: string | undefined) => c !== undefined && /\p{Nd}/u.test(c);
  let digits = false;
  for (let i = 0; i < ar.length && i < br.length; i++) {
    const x = ar[i]!;
    const y = br[i]!;
    if (x === y) {
      digits = isDigit(x);
      continue;
    }
    const xl = isLetter(x);
    const yl = isLetter(y);
    if (xl && yl) return x < y;
    if (xl || yl) return digits ? xl : yl;
    let an = 0;
    let bn = 0;
    if (x === '0' || y === '0') {
      for (let j = i - 1; j >= 0 && isDigit(ar[j]); j--) {
        if (ar[j] !== '0') {
          an = 1;
          bn = 1;
          break;
        }
      }
    }
    let ai = i;
    let bi = i;
    for (; ai < ar.length && isDigit(ar[ai]); ai++) an = an * 10 + Number(ar[ai]);
    for (; bi < br.length && isDigit(br[bi]); bi++) bn = bn * 10 + Number(br[bi]);
    if (an !== bn) return an < bn;
    if (ai !== bi) return ai < bi;
    return x < y;
  }
  return ar.length < br.length;
}

// Strings YAML would read as something else (yaml.v3 resolves 1.1 booleans, numbers, null,
// timestamps): those, and any string with characters outside a safe plain set, are double-quoted.
const SPECIAL = /^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|[-+]?(?:\.inf|\.Inf|\.INF)|\.nan|\.NaN|\.NAN)$/;
const NUMERIC = /^[-+]?(?:\d[\d_]*(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|0[xX][0-9a-fA-F_]+|0[oO]?[0-7_]+|0[bB][01_]+|\d+(?::[0-5]?\d)+(?:\.\d*)?)$/;
const TIMESTAMP = /^\d{4}-\d{1,2}-\d{1,2}(?:[Tt ]|$)/;
const PLAIN = /^[A-Za-z0-9_./][A-Za-z0-9_./@+=,()'\- :]*$/;

function scalar(s: string): string {
  const plain = PLAIN.test(s) && !/:( |$)/.test(s) && !/ $/.test(s) && !SPECIAL.test(s) && !NUMERIC.test(s) && !TIMESTAMP.test(s);
  if (plain) return s;
  // A JSON string is a valid YAML double-quoted scalar; escape what YAML counts as a line break or
  // a non-printable character too, so a value from AWS stays one scalar.
  return JSON.stringify(s).replace(/[\u007f-\u009f\u2028\u2029\ufeff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

type YamlValue = string | number | { [k: string]: YamlValue };

function emit(v: { [k: string]: YamlValue }, indent: string, sortKeys: boolean, out: string[]): void {
  const keys = Object.keys(v);
  if (sortKeys) keys.sort((a, b) => (yamlV3KeyLess(a, b) ? -1 : yamlV3KeyLess(b, a) ? 1 : 0));
  for (const k of keys) {
    const val = v[k]!;
    if (typeof val === 'object') {
      out.push(`${indent}${scalar(k)}:`);
      // The identities' values are Go structs (field order); every other mapping is a Go map.
      emit(val, `${indent}    `, !isIdentity(val), out);
    } else {
      out.push(`${indent}${scalar(k)}: ${typeof val === 'number' ? String(val) : scalar(val)}`);
    }
  }
}

function isIdentity(v: { [k: string]: YamlValue }): boolean {
  return v.kind === 'aws/permission-set' && 'principal' in v;
}

/** A small YAML marshaller for the provisioned file: yaml.v3's layout for maps of strings, numbers and maps. */
export function marshalYaml(doc: object): string {
  const out: string[] = [];
  emit(doc as { [k: string]: YamlValue }, '', true, out);
  return `${out.join('\n')}\n`;
}
