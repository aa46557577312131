/**
 * AWS STS: role chains (AssumeRole), root sessions (AssumeRoot), IAM users with MFA
 * (GetSessionToken), GitHub OIDC (AssumeRoleWithWebIdentity) and whoami (GetCallerIdentity).
 * Credentials are always passed to the client explicitly, so stale AWS_* variables or profiles of
 * the user can never be picked up; the one exception is ambientCredentials, whose whole point is
 * the environment's own.
 */
import type { AwsCredentials } from '../credentials/types.ts';
import { AtmosAuthError } from '../errors.ts';
import { debug } from '../log.ts';
import { baseClientConfig, errName, loadSts, mapCommonError } from './client.ts';
import {
  AssumeRoleDeniedError, AwsRequestError, InvalidKeysError, MfaFailedError, SourceCredentialsExpiredError, type ErrorContext,
} from './errors.ts';

type StsModule = Awaited<ReturnType<typeof loadSts>>;

async function sts(region: string, creds?: AwsCredentials) {
  const mod = await loadSts();
  const config: ConstructorParameters<StsModule['STSClient']>[0] = { ...baseClientConfig(region) };
  if (creds) {
    const c = { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, ...(creds.sessionToken ? { sessionToken: creds.sessionToken } : {}) };
    config.credentials = async () => c;
  } else {
    // Only for unsigned operations (AssumeRoleWithWebIdentity): fail loudly rather than read the environment.
    config.credentials = async () => {
      throw new Error('internal: this STS call must not need credentials');
    };
  }
  return { mod, client: new mod.STSClient(config) };
}

function toCreds(c: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string; Expiration?: Date } | undefined, op: string): AwsCredentials {
  if (!c?.AccessKeyId || !c.SecretAccessKey) throw new AwsRequestError('AWS STS', op, 'IncompleteResponse', undefined, 'no credentials in the answer');
  const out: AwsCredentials = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey };
  if (c.SessionToken) out.sessionToken = c.SessionToken;
  if (c.Expiration) out.expiration = new Date(c.Expiration);
  return out;
}

function message(err: unknown): string {
  return ((err as { message?: string }).message ?? '').replace(/\s+/g, ' ').trim().slice(0, 300);
}

/** Errors about the caller's own credentials, common to the signed operations. */
function mapCallerError(err: unknown, op: string, region: string, what: string): Error {
  const name = errName(err);
  if (name === 'ExpiredToken' || name === 'ExpiredTokenException') {
    return new SourceCredentialsExpiredError(`the credentials used for ${what} have expired`, { hint: 'run the command again to get fresh ones', cause: err });
  }
  if (name === 'InvalidClientTokenId' || name === 'SignatureDoesNotMatch' || name === 'UnrecognizedClientException') {
    return new InvalidKeysError(`AWS rejected the access key used for ${what} (${name})`, { hint: 'check or re-enter the keys: atmos-auth user configure <identity>', cause: err });
  }
  return mapCommonError(err, 'sts', op, region);
}

/** AssumeRole from the previous hop's credentials. */
export async function assumeRole(
  from: AwsCredentials,
  o: { roleArn: string; sessionName: string; externalId?: string; durationSeconds?: number; region: string },
  ctx?: ErrorContext,
): Promise<AwsCredentials> {
  const { mod, client } = await sts(o.region, from);
  debug(`sts AssumeRole ${o.roleArn} as session ${o.sessionName}${o.durationSeconds ? ` for ${o.durationSeconds} s` : ''}`);
  try {
    const out = await client.send(new mod.AssumeRoleCommand({
      RoleArn: o.roleArn,
      RoleSessionName: o.sessionName,
      ...(o.externalId ? { ExternalId: o.externalId } : {}),
      ...(o.durationSeconds ? { DurationSeconds: o.durationSeconds } : {}),
    }));
    return toCreds(out.Credentials, 'AssumeRole');
  } catch (err) {
    const name = errName(err);
    if (name === 'AccessDenied' || name === 'AccessDeniedException') throw new AssumeRoleDeniedError(o.roleArn, message(err), { roleArn: o.roleArn, ...ctx }, err);
    if (name === 'ValidationError') throw new AwsRequestError('AWS STS', 'AssumeRole', name, 400, `${message(err)} (role ${o.roleArn})`, err);
    throw mapCallerError(err, 'AssumeRole', o.region, `assuming ${o.roleArn}`);
  }
}

/** GetSessionToken for long-term IAM user keys, with an MFA code when the user has a device. */
export async function getSessionToken(
  user: AwsCredentials,
  o: { mfaSerial?: string; mfaCode?: string; durationSeconds?: number; region: string },
): Promise<AwsCredentials> {
  const { mod, client } = await sts(o.region, user);
  debug(`sts GetSessionToken${o.mfaSerial ? ` with MFA ${o.mfaSerial}` : ''}`);
  try {
    const out = await client.send(new mod.GetSessionTokenCommand({
      ...(o.mfaSerial ? { SerialNumber: o.mfaSerial } : {}),
      ...(o.mfaCode ? { TokenCode: o.mfaCode } : {}),
      ...(o.durationSeconds ? { DurationSeconds: o.durationSeconds } : {}),
    }));
    return toCreds(out.Credentials, 'GetSessionToken');
  } catch (err) {
    const name = errName(err);
    if (name === 'AccessDenied' || name === 'AccessDeniedException') {
      throw new MfaFailedError(`sts:GetSessionToken was refused: ${message(err)}`, {
        hint: o.mfaSerial ? 'enter the current code of the MFA device (codes are single-use; wait for the next one)' : 'this user may require MFA: set mfa_arn on the identity',
        cause: err,
      });
    }
    throw mapCallerError(err, 'GetSessionToken', o.region, 'the IAM user');
  }
}

/** AssumeRoleWithWebIdentity (unsigned) with an OIDC token, e.g. GitHub Actions'. */
export async function assumeRoleWithWebIdentity(o: { roleArn: string; sessionName: string; webIdentityToken: string; durationSeconds?: number; region: string }, ctx?: ErrorContext): Promise<AwsCredentials> {
  const { mod, client } = await sts(o.region);
  debug(`sts AssumeRoleWithWebIdentity ${o.roleArn} as session ${o.sessionName}`);
  try {
    const out = await client.send(new mod.AssumeRoleWithWebIdentityCommand({
      RoleArn: o.roleArn,
      RoleSessionName: o.sessionName,
      WebIdentityToken: o.webIdentityToken,
      ...(o.durationSeconds ? { DurationSeconds: o.durationSeconds } : {}),
    }));
    return toCreds(out.Credentials, 'AssumeRoleWithWebIdentity');
  } catch (err) {
    const name = errName(err);
    if (name === 'AccessDenied' || name === 'AccessDeniedException' || name === 'IDPRejectedClaimException' || name === 'InvalidIdentityTokenException') {
      throw new AssumeRoleDeniedError(o.roleArn, `${name}: ${message(err)}`, { roleArn: o.roleArn, ...ctx }, err);
    }
    if (name === 'ExpiredTokenException') {
      throw new SourceCredentialsExpiredError('the web identity token has expired', { hint: 'request a fresh one (run the step again)', cause: err });
    }
    throw mapCommonError(err, 'sts', 'AssumeRoleWithWebIdentity', o.region);
  }
}

/**
 * STS AssumeRoot (centralized root access): a short root session in member account
 * `targetPrincipal`, scoped by an AWS-managed task policy, called with the credentials of the
 * organization's management account or a delegated administrator (the previous hop's).
 */
export async function assumeRoot(
  from: AwsCredentials,
  o: { targetPrincipal: string; taskPolicyArn: string; durationSeconds?: number; region: string },
): Promise<AwsCredentials> {
  const { mod, client } = await sts(o.region, from);
  debug(`sts AssumeRoot on ${o.targetPrincipal} with ${o.taskPolicyArn}${o.durationSeconds !== undefined ? ` for ${o.durationSeconds} s` : ''}`);
  try {
    const out = await client.send(new mod.AssumeRootCommand({
      TargetPrincipal: o.targetPrincipal,
      TaskPolicyArn: { arn: o.taskPolicyArn },
      ...(o.durationSeconds !== undefined ? { DurationSeconds: o.durationSeconds } : {}),
    }));
    return toCreds(out.Credentials, 'AssumeRoot');
  } catch (err) {
    const name = errName(err);
    if (name === 'AccessDenied' || name === 'AccessDeniedException' || name === 'RegionDisabledException') {
      // The hints Atmos gives for the same failure (pkg/auth/identities/aws/assume_root.go:204-216).
      throw Object.assign(new AtmosAuthError(`AssumeRoot on account ${o.targetPrincipal} was refused (sts:AssumeRoot, ${name}): ${message(err)}`, {
        hint: `the account must be a member of your organization with centralized root access enabled, and the previous hop needs sts:AssumeRoot for ${o.taskPolicyArn}: ask your organization's administrator`,
        cause: err,
      }), { accessDenied: true });
    }
    if (name === 'ValidationError') throw new AwsRequestError('AWS STS', 'AssumeRoot', name, 400, `${message(err)} (account ${o.targetPrincipal})`, err);
    throw mapCallerError(err, 'AssumeRoot', o.region, `AssumeRoot on ${o.targetPrincipal}`);
  }
}

/**
 * The credentials the environment already has, through the AWS SDK's default provider chain (keys
 * in AWS_*, AWS_PROFILE and the shared files, web identity, container and instance metadata), as
 * Atmos's aws/ambient does with config.LoadDefaultConfig (identities/aws/ambient.go:70-130).
 */
export async function ambientCredentials(region: string, identity: string, env: NodeJS.ProcessEnv = process.env): Promise<AwsCredentials> {
  // Keys in the environment win over AWS_PROFILE, as in the Go SDK's default chain that Atmos uses
  // (AWS SDK for Go v2 developer guide, "Configure the SDK": environment static credentials first);
  // the JS SDK now prefers the profile when both are set (and warns on stderr).
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    debug(`ambient credentials for ${identity}: AWS_ACCESS_KEY_ID ${env.AWS_ACCESS_KEY_ID.slice(0, 4)}... from the environment`);
    const out: AwsCredentials = { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY };
    if (env.AWS_SESSION_TOKEN) out.sessionToken = env.AWS_SESSION_TOKEN;
    const exp = env.AWS_CREDENTIAL_EXPIRATION ? new Date(env.AWS_CREDENTIAL_EXPIRATION) : undefined;
    if (exp && !Number.isNaN(exp.getTime())) out.expiration = exp;
    return out;
  }
  const mod = await loadSts();
  // No credentials option: the client's own default chain is exactly the environment's.
  const client = new mod.STSClient(baseClientConfig(region));
  try {
    const c = await client.config.credentials();
    debug(`ambient credentials for ${identity}: key ${c.accessKeyId.slice(0, 4)}...${c.sessionToken ? ', session token' : ''}${c.expiration ? `, expires ${c.expiration.toISOString()}` : ''}`);
    const out: AwsCredentials = { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey };
    if (c.sessionToken) out.sessionToken = c.sessionToken;
    if (c.expiration) out.expiration = c.expiration;
    return out;
  } catch (err) {
    throw new AtmosAuthError(`identity ${identity} (aws/ambient) found no AWS credentials in the environment: ${message(err)}`, {
      hint: 'set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (or run where an instance or pod role applies), then try again',
      cause: err,
    });
  } finally {
    client.destroy();
  }
}

/** GetCallerIdentity (whoami). */
export async function getCallerIdentity(c: AwsCredentials, region: string): Promise<{ account: string; arn: string; userId: string }> {
  const { mod, client } = await sts(region, c);
  try {
    const out = await client.send(new mod.GetCallerIdentityCommand({}));
    return { account: out.Account ?? '', arn: out.Arn ?? '', userId: out.UserId ?? '' };
  } catch (err) {
    throw mapCallerError(err, 'GetCallerIdentity', region, 'GetCallerIdentity');
  }
}
