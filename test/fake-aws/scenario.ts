// The emulator's world: users, accounts, assignments, roles, IAM users, lifetimes. The defaults are
// the acme organisation of examples/acme (same account names and ids), so a test needs no scenario
// to log in as alice and get credentials for any acme account.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

/** A permission set assigned to a user in one account. */
export interface Assignment {
  accountId: string;
  /** The permission set name (what the SSO portal calls the role name). */
  roleName: string;
}

/** An IAM Identity Center user who can log in through the browser or device pages. */
export interface User {
  name: string;
  assignments: Assignment[];
}

/** An AWS account visible in the SSO portal. */
export interface Account {
  accountId: string;
  accountName: string;
  emailAddress?: string;
}

/** An IAM role that STS AssumeRole / AssumeRoleWithWebIdentity can assume. */
export interface Role {
  arn: string;
  /** Principal ARN patterns (`*` wildcards) allowed to assume it; `arn:aws:iam::ACCT:root` = any principal of ACCT. */
  trust: string[];
  /** When set, AssumeRole must pass exactly this ExternalId. */
  externalId?: string;
  /** Seconds; default 3600. */
  maxSessionDuration?: number;
  /** When true, the caller's credentials must come from an MFA-authenticated session. */
  requireMfa?: boolean;
  /** When set, AssumeRoleWithWebIdentity may assume it with an emulator-issued GitHub token. */
  webIdentity?: { audience: string; subjectPattern: string };
}

/** An IAM user with long-term keys (the break-glass user). */
export interface IamUser {
  userName: string;
  accountId: string;
  accessKeyId: string;
  secretAccessKey: string;
  mfaSerial?: string;
  /** The one valid MFA code (there is no clock-based TOTP here). */
  mfaCode?: string;
}

/** The emulated GitHub Actions ID token endpoint. */
export interface GitHubConfig {
  issuer: string;
  /** The bearer token a job sends (ACTIONS_ID_TOKEN_REQUEST_TOKEN). */
  requestToken: string;
  subject: string;
  /** Lifetime of the issued ID token, seconds. */
  tokenTtl: number;
  /** Extra claims to put in the ID token. */
  claims?: Record<string, unknown>;
}

/**
 * STS AssumeRoot (centralized root access of an AWS Organization): who may call it and for which
 * member accounts.
 */
export interface RootAccess {
  /**
   * Principal ARN patterns (`*` wildcards, matched like role trust) allowed to call AssumeRoot:
   * principals of the management account or of a delegated administrator for IAM.
   */
  callers: string[];
  /** Member account ids whose root sessions may be assumed (centralized root access enabled). */
  members: string[];
}

/** The AWS-managed root task policies AssumeRoot accepts. */
export const ROOT_TASK_POLICIES = [
  'arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials',
  'arn:aws:iam::aws:policy/root-task/IAMCreateRootUserPassword',
  'arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials',
  'arn:aws:iam::aws:policy/root-task/S3UnlockBucketPolicy',
  'arn:aws:iam::aws:policy/root-task/SQSUnlockQueuePolicy',
];

/** Everything the emulator knows. All lifetimes are seconds. */
export interface Scenario {
  users: User[];
  /** Who approves browser and device logins; default: the first user. */
  loginAs?: string;
  accounts: Account[];
  /** When set, StartDeviceAuthorization and RegisterClient(issuerUrl) must use this start URL. */
  startUrl?: string;
  accessTokenTtl: number;
  refreshTokenTtl: number;
  clientRegistrationTtl: number;
  roleCredentialsTtl: number;
  deviceInterval: number;
  deviceExpiresIn: number;
  /** Lifetime of an authorization code. */
  authCodeTtl: number;
  /** Largest page ListAccounts / ListAccountRoles return, whatever max_result asks for. */
  pageSize: number;
  roles: Role[];
  iamUsers: IamUser[];
  github: GitHubConfig;
  rootAccess: RootAccess;
  /** EKS clusters DescribeCluster knows (none by default: a test adds its own, with its API server's endpoint). */
  clusters: EksClusterDef[];
  /** ECR registries GetAuthorizationToken knows (none by default: a test adds its local registry). */
  registries: EcrRegistryDef[];
  /** Seconds the `Date` header of every answer is ahead of the real clock (negative: behind); default 0. */
  clockSkewSeconds: number;
}

/** An ECR registry: callers of its account get `AWS:<password>`; proxyEndpoint is `endpoint`. */
export interface EcrRegistryDef {
  accountId: string;
  region: string;
  /** e.g. http://127.0.0.1:5000 (the test's registry). */
  endpoint: string;
  password: string;
}

/** An EKS cluster: callers of its account may describe it; the endpoint is the test's API server. */
export interface EksClusterDef {
  name: string;
  region: string;
  accountId: string;
  endpoint: string;
  /** Base64 PEM of the API server's CA. */
  certificateAuthority: string;
}

/** What a scenario file or a test may give: any top-level key; `github` merges key by key. */
export type ScenarioInput = Partial<Omit<Scenario, 'github' | 'users'>> & {
  github?: Partial<GitHubConfig>;
  /** Assignments may name the account by accountName instead of accountId. */
  users?: Array<{ name: string; assignments?: Array<{ accountId?: string; accountName?: string; roleName: string }> }>;
};

/** The acme accounts of examples/acme. */
export const ACME_ACCOUNTS: Account[] = [
  ['core-root', '100000000000'], ['core-audit', '100000000001'], ['core-auto', '100000000002'],
  ['core-identity', '100000000003'], ['core-network', '100000000004'], ['core-artifacts', '100000000005'],
  ['plat-sandbox', '200000000000'], ['plat-dev', '200000000001'], ['plat-staging', '200000000002'],
  ['plat-prod', '200000000003'],
].map(([name, id]) => ({ accountId: id!, accountName: name!, emailAddress: `aws+${name}@acme.example` }));

/** The default break-glass IAM user (profile `superadmin` of examples/acme). */
export const SUPERADMIN: IamUser = {
  userName: 'superadmin',
  accountId: '100000000003',
  accessKeyId: 'AKIAACMESUPERADMIN01',
  secretAccessKey: 'fake/superadmin/secret/key/0000000000000',
  mfaSerial: 'arn:aws:iam::100000000003:mfa/superadmin',
  mfaCode: '123456',
};

const PERMISSION_SETS = ['TerraformApplyAccess', 'TerraformPlanAccess', 'TerraformStateAccess'];

/** A fresh copy of the default scenario. */
export function defaultScenario(): Scenario {
  const accounts = ACME_ACCOUNTS.map((a) => ({ ...a }));
  const roles: Role[] = [];
  for (const a of accounts) {
    // acme-<tenant>-<stage>-terraform: the break-glass user, SSO apply sessions, and CI on main.
    roles.push({
      arn: `arn:aws:iam::${a.accountId}:role/acme-${a.accountName}-terraform`,
      trust: [
        `arn:aws:iam::${SUPERADMIN.accountId}:user/${SUPERADMIN.userName}`,
        'arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_TerraformApplyAccess_*',
      ],
      maxSessionDuration: 43200,
      webIdentity: { audience: 'sts.amazonaws.com', subjectPattern: 'repo:acme/*:ref:refs/heads/main' },
    });
    // acme-<tenant>-<stage>-planner: CI plans from any ref of acme repositories.
    roles.push({
      arn: `arn:aws:iam::${a.accountId}:role/acme-${a.accountName}-planner`,
      trust: [],
      webIdentity: { audience: 'sts.amazonaws.com', subjectPattern: 'repo:acme/*' },
    });
  }
  return {
    users: [
      {
        name: 'alice',
        assignments: accounts.flatMap((a) => PERMISSION_SETS.map((p) => ({ accountId: a.accountId, roleName: p }))),
      },
      {
        name: 'bob',
        assignments: accounts
          .filter((a) => a.accountName.startsWith('plat-'))
          .map((a) => ({ accountId: a.accountId, roleName: 'TerraformPlanAccess' })),
      },
    ],
    accounts,
    accessTokenTtl: 28800,
    refreshTokenTtl: 7776000,
    clientRegistrationTtl: 7776000,
    roleCredentialsTtl: 3600,
    deviceInterval: 1,
    deviceExpiresIn: 600,
    authCodeTtl: 300,
    pageSize: 20,
    roles,
    iamUsers: [{ ...SUPERADMIN }],
    clusters: [],
    registries: [],
    clockSkewSeconds: 0,
    // core-root is the management account: its TerraformApplyAccess sessions may assume root in
    // every other acme account.
    rootAccess: {
      callers: ['arn:aws:sts::100000000000:assumed-role/AWSReservedSSO_TerraformApplyAccess_*'],
      members: accounts.filter((a) => a.accountId !== '100000000000').map((a) => a.accountId),
    },
    github: {
      issuer: 'https://token.actions.githubusercontent.com',
      requestToken: 'gh-request-token',
      subject: 'repo:acme/infra:ref:refs/heads/main',
      tokenTtl: 300,
    },
  };
}

/** Reads a JSON or YAML scenario file (YAML is a superset of JSON). */
export function readScenarioFile(file: string): ScenarioInput {
  const doc: unknown = parseYaml(readFileSync(file, 'utf8'));
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new Error(`${file}: a scenario must be a mapping`);
  return doc as ScenarioInput;
}

/** Merges `input` into `target` in place (so holders of `target` see the change). */
export function mergeScenario(target: Scenario, input: ScenarioInput): Scenario {
  const { github, users, ...rest } = input;
  Object.assign(target, rest);
  if (github) target.github = { ...target.github, ...github };
  if (users) {
    target.users = users.map((u) => ({
      name: u.name,
      assignments: (u.assignments ?? []).map((a) => ({ accountId: accountIdOf(target, a), roleName: a.roleName })),
    }));
  }
  return target;
}

function accountIdOf(s: Scenario, a: { accountId?: string; accountName?: string }): string {
  if (a.accountId) return String(a.accountId);
  const found = s.accounts.find((x) => x.accountName === a.accountName);
  if (!found) throw new Error(`scenario: assignment names unknown account ${a.accountName ?? '(none)'}`);
  return found.accountId;
}

/** The scenario for `startFakeAws`: defaults, then a file or an object over them. */
export function loadScenario(input?: ScenarioInput | string): Scenario {
  const s = defaultScenario();
  if (input === undefined) return s;
  const parsed = typeof input === 'string' ? readScenarioFile(input) : input;
  // Accounts first, so that assignments given by account name resolve against the new accounts.
  if (parsed.accounts) s.accounts = parsed.accounts.map((a) => ({ ...a, accountId: String(a.accountId) }));
  return mergeScenario(s, parsed);
}

/** The user who approves logins. */
export function loginUser(s: Scenario): User | undefined {
  return s.loginAs ? s.users.find((u) => u.name === s.loginAs) : s.users[0];
}

/** `*` matches any run of characters (including `/` and `:`); everything else literally. */
export function globMatch(pattern: string, value: string): boolean {
  const re = new RegExp('^' + pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');
  return re.test(value);
}
