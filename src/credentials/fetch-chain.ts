/**
 * The cold path of getCredentials: walks the identity chain from the root provider to the
 * identity, reusing any cached hop, and fetching the rest under a cross-process lock per chain
 * prefix (re-checking the cache once the lock is held, so N shells make one request). Only this
 * module (loaded on demand) reaches src/aws, and only through dynamic import().
 */
import type { ChainHop, Resolution } from '../atmos/types.ts';
import type { ErrorContext } from '../aws/errors.ts';
import type { SsoProvider, SsoToken } from '../aws/sso-session.ts';
import { atmosInstead, fromAmbient, kindOf } from '../atmos/kinds.ts';
import { profileLabel } from './denied.ts';
import { AtmosAuthError } from '../errors.ts';
import { debug, redact } from '../log.ts';
import { withLock } from '../util/lock.ts';
import { chainKey, isFresh, readCached, secondsLeft, writeCached } from './cache.ts';
import { fmtLeft, identityHop, type CredentialsResult, type GetCredentialsOptions } from './get-credentials.ts';
import { promptLine } from './prompt.ts';
import type { AwsCredentials } from './types.ts';
import { readUserKeys, type UserKeys } from './user-store.ts';
import { userSessionDuration } from '../atmos/durations.ts';

type Opts = GetCredentialsOptions & { minTtl: number };

/** `--profile X` when the profiles differ from $ATMOS_PROFILE (so the printed command works as is). */
function profileFlag(res: Resolution): string {
  const p = res.profiles.join(',');
  return p && p !== (process.env.ATMOS_PROFILE ?? '') ? ` --profile ${p}` : '';
}

/** The one command that logs this identity in. */
export function loginCommandFor(res: Resolution): string {
  return `atmos-auth login --identity ${res.identity ?? ''}${profileFlag(res)}`;
}

/** Atmos's default role session name: `atmos-<identity>-<unix seconds>`, sanitized to STS's alphabet, max 64. */
export function defaultSessionName(identity: string, now: Date = new Date()): string {
  const raw = `atmos-${identity}-${Math.floor(now.getTime() / 1000)}`.replace(/[^A-Za-z0-9+=,.@-]/g, '-');
  return raw.slice(0, 64).replace(/-+$/, '') || 'atmos-session';
}

/** A hop as the credentials cache records it: an aws/user's YAML keys stay out of the file. */
function withoutSecrets(h: ChainHop): ChainHop {
  if (h.kind !== 'aws/user' || !h.yamlKeys) return h;
  const { yamlKeys: _secret, ...rest } = h;
  return rest;
}

/** Fetches the chain of `res` (see module comment). */
export async function fetchChain(res: Resolution, opts: Opts): Promise<CredentialsResult> {
  const hop = identityHop(res);
  return new ChainFetcher(res, opts).run(hop);
}

class ChainFetcher {
  readonly res: Resolution;
  readonly opts: Opts;
  readonly identity: string;
  ssoToken: SsoToken | undefined;
  fetched = false;

  constructor(res: Resolution, opts: Opts) {
    this.res = res;
    this.opts = opts;
    this.identity = res.identity ?? '';
  }

  async run(hop: ChainHop): Promise<CredentialsResult> {
    const credentials = await this.obtain(this.res.chain.length - 1);
    return { credentials, fromCache: !this.fetched, hop };
  }

  /** Credentials of hop `i` (an identity, never the root provider): cache, else fetch under a lock. */
  async obtain(i: number): Promise<AwsCredentials> {
    const chain = this.res.chain.slice(0, i + 1);
    const hop = chain[i]!;
    if (fromAmbient(chain)) {
      // Never cached, as in Atmos: the environment's principal may change between two runs.
      this.fetched = true;
      return this.fetchHop(i);
    }
    const key = chainKey(chain, this.res.profiles);
    const fresh = (): AwsCredentials | null => {
      if (this.opts.login === 'always') return null;
      const e = readCached(key);
      return e && isFresh(e.credentials, this.opts.minTtl) ? e.credentials : null;
    };
    const early = fresh();
    if (early) {
      debug(`credentials cache hit for hop ${hop.name} (${fmtLeft(secondsLeft(early))} left)`);
      return early;
    }
    // The holder may be in a browser login (up to 10 minutes): an interactive run waits for it
    // rather than start a second login; a run that may not log in gives up within seconds when the
    // holder is in a login, else after 20 s.
    const onWait = await this.loginWaitPolicy();
    return withLock(`credentials:${key}`, async () => {
      const again = fresh();
      if (again) {
        debug(`credentials for hop ${hop.name} were fetched by another process meanwhile`);
        return again;
      }
      const creds = await this.fetchHop(i);
      this.fetched = true;
      await writeCached(key, { identity: hop.name, profiles: this.res.profiles, chain: chain.map(withoutSecrets), credentials: creds });
      debug(`cached credentials for hop ${hop.name} (${key.slice(0, 12)}), valid ${fmtLeft(secondsLeft(creds))}`);
      return creds;
    }, { waitMs: this.opts.login === 'never' ? 20_000 : 660_000, ...(onWait ? { onWait } : {}) });
  }

  /** What to do while another process holds a lock of this chain (see loginWaitPolicy); none without SSO. */
  async loginWaitPolicy(): Promise<((waitedMs: number) => void) | undefined> {
    const root = this.res.chain[0];
    if (root?.kind !== 'aws/iam-identity-center') return undefined;
    const { loginWaitPolicy } = await import('../aws/sso-session.ts');
    return loginWaitPolicy(root, { login: this.opts.login, stderr: this.opts.stderr });
  }

  /** The root provider of the chain when it is IAM Identity Center. */
  ssoProvider(): SsoProvider & { kind: 'aws/iam-identity-center' } {
    const root = this.res.chain[0];
    if (root?.kind !== 'aws/iam-identity-center') throw new AtmosAuthError(`identity ${this.identity} needs an IAM Identity Center provider at the root of its chain`, { hint: `give its chain a provider of kind aws/iam-identity-center (via.provider); \`atmos-auth resolve --json\` shows the chain` });
    return root;
  }

  /** The SSO access token, logging in when the policy allows. */
  async token(): Promise<SsoToken> {
    if (this.ssoToken) return this.ssoToken;
    const p = this.ssoProvider();
    const { getSsoToken } = await import('../aws/sso-session.ts');
    debug(`SSO token for provider ${p.name} (${p.startUrl}), login policy ${this.opts.login}`);
    this.ssoToken = await getSsoToken(p, {
      login: this.opts.login,
      ...(this.opts.deviceCode ? { deviceCode: true } : {}),
      stderr: this.opts.stderr,
      ...(this.opts.signal ? { signal: this.opts.signal } : {}),
      loginCommand: loginCommandFor(this.res),
    });
    debug(`SSO token for ${p.name} from ${this.ssoToken.source}, expires ${this.ssoToken.expiresAt.toISOString()}, access token ${redact(this.ssoToken.accessToken)}`);
    return this.ssoToken;
  }

  /**
   * Runs a portal call with the SSO token. A revoked token (the portal already dropped it) means
   * one more try: the token is fetched again, which refreshes or logs in as the policy allows.
   */
  async withToken<T>(fn: (t: SsoToken) => Promise<T>): Promise<T> {
    const { TokenRevokedError } = await import('../aws/errors.ts');
    const t = await this.token();
    try {
      return await fn(t);
    } catch (err) {
      if (!(err instanceof TokenRevokedError)) throw err;
      debug(`SSO token of ${this.ssoProvider().name} was refused by the portal: getting a new one`);
      if (this.opts.login === 'never') throw await this.loginRequired(`the SSO session of provider ${this.ssoProvider().name} was signed out or revoked`);
      this.ssoToken = undefined;
      return fn(await this.token());
    }
  }

  ctx(hop: ChainHop, extra: Partial<ErrorContext> = {}): ErrorContext {
    return { identity: this.identity, profile: profileLabel(this.res), ...(hop.kind === 'aws/permission-set' ? { permissionSet: hop.permissionSet } : {}), ...extra };
  }

  /** Region for STS calls of hop `hop`. */
  region(hop: ChainHop): string {
    const root = this.res.chain[0];
    return hop.region ?? this.res.region ?? root?.region ?? 'us-east-1';
  }

  async fetchHop(i: number): Promise<AwsCredentials> {
    const hop = this.res.chain[i]!;
    const prev = i > 0 ? this.res.chain[i - 1] : undefined;
    switch (hop.kind) {
      case 'aws/permission-set':
        return this.permissionSet(hop);
      case 'aws/assume-role':
        if (prev?.kind === 'github/oidc') return this.webIdentity(hop, prev);
        if (!prev || prev.kind === 'aws/iam-identity-center' || prev.kind === 'aws/saml') {
          throw new AtmosAuthError(`identity ${hop.name} (aws/assume-role) has no credentials to assume ${hop.roleArn} from`, { hint: 'chain it via an identity (via: {identity: ...}) or a github/oidc provider' });
        }
        return this.assumeRole(hop, await this.obtain(i - 1), prev);
      case 'aws/user':
        return this.user(hop);
      case 'aws/assume-root':
        // buildChain made sure the previous hop yields AWS credentials.
        return this.assumeRoot(hop, await this.obtain(i - 1));
      case 'aws/ambient': {
        const { ambientCredentials } = await import('../aws/sts.ts');
        return this.translate(() => ambientCredentials(this.region(hop), hop.name), hop);
      }
      case 'ambient':
        throw new AtmosAuthError(`identity ${hop.name} (ambient) has no credentials of its own: processes use the environment as it is`, {
          hint: 'run the command directly, without atmos-auth',
        });
      default:
        throw new AtmosAuthError(`identity ${this.identity}: kind ${kindOf(hop)} (${hop.name}) is not supported by atmos-auth`, { hint: `use ${atmosInstead(this.identity)}` });
    }
  }

  async assumeRoot(hop: Extract<ChainHop, { kind: 'aws/assume-root' }>, from: AwsCredentials): Promise<AwsCredentials> {
    const { assumeRoot } = await import('../aws/sts.ts');
    debug(`AssumeRoot on ${hop.targetPrincipal} (${hop.taskPolicyArn}) for ${hop.name}`);
    return this.translate(
      () => assumeRoot(from, {
        targetPrincipal: hop.targetPrincipal,
        taskPolicyArn: hop.taskPolicyArn,
        ...(hop.duration !== undefined ? { durationSeconds: hop.duration } : {}),
        region: this.region(hop),
      }),
      hop,
    );
  }

  async permissionSet(hop: Extract<ChainHop, { kind: 'aws/permission-set' }>): Promise<AwsCredentials> {
    const p = this.ssoProvider();
    const { accountIdByName, getRoleCredentials } = await import('../aws/portal.ts');
    let accountId = hop.account.id;
    if (!accountId) {
      const name = hop.account.name ?? '';
      accountId = await this.translate(() => this.withToken((t) => accountIdByName(p, t, name, this.ctx(hop, { accountName: name }))), hop);
      debug(`account ${name} is ${accountId}`);
      await this.opts.onAccountId?.(hop, accountId);
    }
    const id = accountId;
    debug(`GetRoleCredentials ${hop.permissionSet} in ${hop.account.name ?? ''} (${id}) for ${hop.name}`);
    return this.translate(
      () => this.withToken((t) => getRoleCredentials(p, t, id, hop.permissionSet, this.ctx(hop, { accountId: id, ...(hop.account.name ? { accountName: hop.account.name } : {}) }))),
      hop,
      id,
    );
  }

  async assumeRole(hop: Extract<ChainHop, { kind: 'aws/assume-role' }>, from: AwsCredentials, prev: ChainHop): Promise<AwsCredentials> {
    const { assumeRole } = await import('../aws/sts.ts');
    const sessionName = hop.sessionName ?? defaultSessionName(hop.name);
    debug(`AssumeRole ${hop.roleArn} as ${sessionName} from ${prev.name}${hop.externalId ? ' with external id' : ''}`);
    return this.translate(
      () =>
        assumeRole(
          from,
          {
            roleArn: hop.roleArn,
            sessionName,
            ...(hop.externalId ? { externalId: hop.externalId } : {}),
            ...(hop.duration ? { durationSeconds: hop.duration } : {}),
            region: this.region(hop),
          },
          this.ctx(hop, { roleArn: hop.roleArn }),
        ),
      hop,
    );
  }

  async webIdentity(hop: Extract<ChainHop, { kind: 'aws/assume-role' }>, provider: Extract<ChainHop, { kind: 'github/oidc' }>): Promise<AwsCredentials> {
    const { getGithubIdToken } = await import('../aws/github-oidc.ts');
    const { assumeRoleWithWebIdentity } = await import('../aws/sts.ts');
    debug(`GitHub Actions ID token for audience ${provider.audience} (provider ${provider.name})`);
    const token: string = await this.translate(() => getGithubIdToken(provider.audience), hop);
    const sessionName = hop.sessionName ?? defaultSessionName(hop.name);
    debug(`AssumeRoleWithWebIdentity ${hop.roleArn} as ${sessionName}, web identity token ${redact(token)}`);
    return this.translate(
      () =>
        assumeRoleWithWebIdentity(
          {
            roleArn: hop.roleArn,
            sessionName,
            webIdentityToken: token,
            ...(hop.duration ? { durationSeconds: hop.duration } : {}),
            region: hop.region ?? provider.region ?? this.region(hop),
          },
          this.ctx(hop, { roleArn: hop.roleArn }),
        ),
      hop,
    );
  }

  async user(hop: Extract<ChainHop, { kind: 'aws/user' }>): Promise<AwsCredentials> {
    // Keys in the YAML (usually !env) come before the keychain and the local store, as in Atmos (user.go:227-250).
    const keys: UserKeys | null = hop.yamlKeys ?? await readUserKeys(hop.name, this.res);
    debug(`aws/user ${hop.name}: long-lived keys from ${hop.yamlKeys ? 'the identity\'s YAML credentials' : 'the keychain or the local store'}`);
    if (!keys) {
      throw new AtmosAuthError(`identity ${hop.name} (aws/user, profile ${profileLabel(this.res)}) has no access keys stored on this machine`, {
        hint: `run: atmos-auth user configure ${hop.name} (or set credentials.access_key_id and secret_access_key on the identity, e.g. with !env)`,
      });
    }
    const { getSessionToken } = await import('../aws/sts.ts');
    // The YAML's mfa_arn wins over the one Atmos's configure stored beside the keys (Atmos
    // pkg/auth/identities/aws/user.go:300-311 mergeCredentialsWithYAML).
    const mfaArn = hop.mfaArn ?? keys.mfaArn;
    let mfaCode: string | undefined;
    if (mfaArn) {
      if (this.opts.login === 'never') throw await this.loginRequired(`identity ${hop.name} needs an MFA code (${mfaArn}) and this command may not prompt`);
      mfaCode = (await promptLine(`MFA code for ${hop.name} (${mfaArn}): `, { stderr: this.opts.stderr, secret: false })).trim();
      if (!/^\d{6}$/.test(mfaCode)) throw new AtmosAuthError(`the MFA code must be 6 digits`, { hint: 'run the command again and enter the code your MFA device shows' });
    }
    debug(`GetSessionToken for ${hop.name} (key ${keys.accessKeyId.slice(0, 4)}...)${mfaArn ? ` with MFA ${mfaArn}` : ''}`);
    return this.translate(
      () =>
        getSessionToken(
          { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey },
          {
            ...(mfaArn ? { mfaSerial: mfaArn, mfaCode } : {}),
            // Atmos always sends DurationSeconds for aws/user (default 43200, clamped: durations.ts).
            durationSeconds: hop.sessionDuration ?? userSessionDuration(hop.name, undefined, !!mfaArn),
            region: this.region(hop),
          },
        ),
      hop,
    );
  }

  /** A LoginRequiredError that names the one command to run. */
  async loginRequired(why: string): Promise<Error> {
    const { LoginRequiredError } = await import('../aws/errors.ts');
    return new LoginRequiredError(why, loginCommandFor(this.res));
  }

  /** The profiles mapping this identity otherwise (src/credentials/denied.ts). */
  async otherProfiles(): Promise<string> {
    const { otherProfilesClause } = await import('./denied.ts');
    return otherProfilesClause(this.res, this.identity);
  }

  /**
   * Runs `fn`, turning network-layer errors into messages that name the profile, identity,
   * permission set and account, and the one thing to do.
   */
  async translate<T>(fn: () => Promise<T>, hop?: ChainHop, accountId?: string): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw await this.explain(err, hop, accountId);
    }
  }

  async explain(err: unknown, hop?: ChainHop, accountId?: string): Promise<unknown> {
    if ((err as { explained?: boolean })?.explained) return err;
    const e = await import('../aws/errors.ts');
    const prof = profileLabel(this.res);
    let out: unknown = err;
    if (err instanceof e.NoAssignmentError && hop?.kind === 'aws/permission-set') {
      const acct = `${hop.account.name ?? accountId}${hop.account.name && accountId ? ` (${accountId})` : ''}`;
      const others = await this.otherProfiles();
      const next = others ? `${others}; run one with: ATMOS_PROFILE=<profile> atmos-auth export` : 'or pick another identity with --identity';
      out = new AtmosAuthError(
        `profile ${prof} maps ${this.identity} to ${hop.permissionSet} in ${acct}, but your SSO user has no such assignment (sso:GetRoleCredentials refused)`,
        { hint: `ask your AWS administrator to assign ${hop.permissionSet} on ${acct} to you in IAM Identity Center; ${next}`, cause: err },
      );
    } else if (err instanceof e.LoginRequiredError) {
      // The network layer names the provider; the identity form also works from any directory of the repository.
      out = new e.LoginRequiredError(`${err.message} (identity ${this.identity}, profile ${prof})`, err.command || loginCommandFor(this.res));
    } else if (err instanceof e.AssumeRoleDeniedError && hop?.kind === 'aws/assume-role') {
      const i = this.res.chain.indexOf(hop);
      const from = this.res.chain[i - 1];
      const others = hop.name === this.identity ? await this.otherProfiles() : '';
      out = new AtmosAuthError(`identity ${hop.name} (profile ${prof}) may not assume ${hop.roleArn}${from ? ` from ${from.name} (${from.kind})` : ''} (sts:AssumeRole denied): ${err.message.replace(/^not allowed to assume \S+( \([^)]*\))?:\s*/, '')}`, {
        hint: `the trust policy of ${hop.roleArn} must allow ${from ? from.name : 'the previous hop'}${hop.externalId ? ' with the configured external_id' : ''}: ask the role's owner, or check principal.assume_role of ${hop.name}${others ? `; ${others} (ATMOS_PROFILE=<profile> atmos-auth export)` : ''}`,
        cause: err,
      });
    } else if (err instanceof AtmosAuthError && hop && !(err instanceof e.TokenRevokedError)) {
      const what = hop.kind === 'aws/permission-set' ? `, ${hop.permissionSet} in ${hop.account.name ?? hop.account.id}` : hop.kind === 'aws/assume-role' ? `, role ${hop.roleArn}` : hop.kind === 'aws/assume-root' ? `, root of ${hop.targetPrincipal}` : '';
      const via = hop.name === this.identity ? '' : `, via ${hop.name}`;
      // A refusal (AssumeRoot denied) also lists the profiles mapping the identity otherwise.
      const others = (err as { accessDenied?: boolean }).accessDenied ? await this.otherProfiles() : '';
      const hint = [err.hint, others ? `${others} (ATMOS_PROFILE=<profile> atmos-auth export)` : ''].filter(Boolean).join('; ');
      out = new AtmosAuthError(`identity ${this.identity} (profile ${prof}${via}${what}): ${err.message}`, { ...(hint ? { hint } : {}), cause: err });
      Object.defineProperty(out, 'exitCode', { value: err.exitCode });
    }
    if (out && typeof out === 'object') (out as { explained?: boolean }).explained = true;
    return out;
  }
}
