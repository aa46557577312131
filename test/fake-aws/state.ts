// Everything the emulator remembers between requests: OIDC clients, device and authorization codes,
// SSO sessions and their tokens, issued AWS credentials, the request log and the active faults.
import { createHash, randomBytes } from 'node:crypto';
import type { Scenario } from './scenario.ts';

/** One answered request. Never holds a secret (an access key id is not one). */
export interface RequestLogEntry {
  op: string;
  time: number;
  status: number;
  grantType?: string;
  accountId?: string;
  roleName?: string;
  roleArn?: string;
  user?: string;
  accessKeyId?: string;
  /** AssumeRoot: the caller's ARN and the task policy. */
  callerArn?: string;
  taskPolicyArn?: string;
  /** STS: the DurationSeconds the request asked for (absent when it sent none). */
  durationSeconds?: number;
  /** The error type when status >= 400. */
  errorType?: string;
}

/** An injected failure or delay, applied before the operation is handled. */
export interface Fault {
  /** Operation name (as in the request log) or '*'. */
  op: string;
  status?: number;
  errorType?: string;
  message?: string;
  delayMs?: number;
  /**
   * In-process only (not over the admin API): awaited when a matching request arrives, before it
   * is handled; a test does what another tool does "meanwhile" (e.g. rotates a refresh token).
   */
  before?: () => void | Promise<void>;
  /** How many matching requests it applies to; default: all. */
  times?: number;
}

/** An SSO OIDC client registration. */
export interface Client {
  clientId: string;
  clientSecret: string;
  clientName: string;
  scopes: string[];
  grantTypes?: string[];
  redirectUris: string[];
  issuerUrl?: string;
  issuedAt: number;
  expiresAt: number;
}

/** A pending or finished device authorization. */
export interface DeviceAuth {
  deviceCode: string;
  userCode: string;
  clientId: string;
  expiresAt: number;
  interval: number;
  approvedBy?: string;
  lastPoll?: number;
  consumed: boolean;
}

/** An authorization code handed to the loopback redirect. */
export interface AuthCode {
  code: string;
  clientId: string;
  redirectUri: string;
  challenge: string;
  user: string;
  expiresAt: number;
  used: boolean;
}

/** A login: the tokens issued from it live and die with it. */
export interface Session {
  id: string;
  user: string;
  clientId: string;
  revoked: boolean;
}

/** An SSO access token (bearer for the portal). */
export interface AccessToken {
  sessionId: string;
  expiresAt: number;
}

/** An SSO refresh token (single use: rotated on every refresh). */
export interface RefreshToken {
  sessionId: string;
  clientId: string;
  expiresAt: number;
  used: boolean;
}

/** Who a set of AWS credentials belongs to. */
export interface Identity {
  arn: string;
  account: string;
  userId: string;
  /** The IAM role ARN behind an assumed-role session (for trust matching). */
  roleArn?: string;
  /** The IAM user name for user keys and their session tokens. */
  iamUser?: string;
  /** The SSO user behind it, if any (for the log). */
  user?: string;
}

/** AWS credentials the emulator knows (issued here, or an IAM user's keys). */
export interface StoredCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** ms since epoch; undefined = long-term keys. */
  expiresAt?: number;
  identity: Identity;
  mfa: boolean;
  /** Session credentials obtained from an assumed role (role chaining caps duration at 1 h). */
  assumedRole: boolean;
  /** A role session that AssumeRole gave to long-term IAM user keys (the only kind whose console sign-in may set SessionDuration). */
  byLongTermKeys?: boolean;
}

/** A console sign-in token (getSigninToken), good for one login within 15 minutes. */
export interface SigninToken {
  identity: Identity;
  expiresAt: number;
  used: boolean;
  /** SessionDuration asked for, seconds (else the credentials' remaining life). */
  sessionDuration?: number;
}

/** Random URL-safe text. */
export function randomToken(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
/** Uppercase base32-ish characters, as in AWS ids (random, or derived from `seed`). */
export function awsIdChars(n: number, seed?: string): string {
  const bytes = seed === undefined ? randomBytes(n) : createHash('sha256').update(seed).digest();
  let out = '';
  for (let i = 0; i < n; i++) out += B32[bytes[i % bytes.length]! % 32];
  return out;
}

/** The mutable state of one emulator. */
export class State {
  readonly scenario: Scenario;
  readonly clients = new Map<string, Client>();
  readonly devices = new Map<string, DeviceAuth>();
  readonly codes = new Map<string, AuthCode>();
  readonly sessions = new Map<string, Session>();
  readonly accessTokens = new Map<string, AccessToken>();
  readonly refreshTokens = new Map<string, RefreshToken>();
  readonly credentials = new Map<string, StoredCredentials>();
  readonly signinTokens = new Map<string, SigninToken>();
  readonly log: RequestLogEntry[] = [];
  readonly faults: Array<{ fault: Fault; left: number }> = [];
  /** Signs the GitHub ID tokens the emulator issues. */
  readonly jwtSecret = randomBytes(32);

  constructor(scenario: Scenario) {
    this.scenario = scenario;
  }

  /** The fault that applies to this request, counting it down. */
  takeFault(op: string): Fault | undefined {
    for (const f of this.faults) {
      if ((f.fault.op === op || f.fault.op === '*') && f.left !== 0) {
        if (f.left > 0) f.left--;
        return f.fault;
      }
    }
    return undefined;
  }

  addFault(f: Fault): void {
    if (typeof f?.op !== 'string') throw new Error('a fault needs an op (operation name or "*")');
    this.faults.push({ fault: { ...f }, left: f.times ?? -1 });
  }

  /** Starts a login for `user` and issues its first tokens. */
  newSession(user: string, client: Client, withRefresh: boolean): { accessToken: string; refreshToken?: string; expiresIn: number } {
    const session: Session = { id: randomToken(12), user, clientId: client.clientId, revoked: false };
    this.sessions.set(session.id, session);
    return this.issueTokens(session, withRefresh);
  }

  /** A new access token (and refresh token) in an existing session. */
  issueTokens(session: Session, withRefresh: boolean): { accessToken: string; refreshToken?: string; expiresIn: number } {
    const now = Date.now();
    const expiresIn = this.scenario.accessTokenTtl;
    const accessToken = 'aoa' + randomToken(48);
    this.accessTokens.set(accessToken, { sessionId: session.id, expiresAt: now + expiresIn * 1000 });
    if (!withRefresh) return { accessToken, expiresIn };
    const refreshToken = 'aor' + randomToken(48);
    this.refreshTokens.set(refreshToken, {
      sessionId: session.id,
      clientId: session.clientId,
      expiresAt: now + this.scenario.refreshTokenTtl * 1000,
      used: false,
    });
    return { accessToken, refreshToken, expiresIn };
  }

  /** The session of a valid access token, else undefined (unknown, expired or revoked). */
  sessionOf(accessToken: string | undefined): Session | undefined {
    if (!accessToken) return undefined;
    const t = this.accessTokens.get(accessToken);
    if (!t || t.expiresAt <= Date.now()) return undefined;
    const s = this.sessions.get(t.sessionId);
    return s && !s.revoked ? s : undefined;
  }

  /** Revokes whole sessions (access and refresh tokens): those of `user`, of `accessToken`, or all. */
  revoke(filter: { user?: string; accessToken?: string } = {}): number {
    let n = 0;
    const bySession = filter.accessToken ? this.accessTokens.get(filter.accessToken)?.sessionId : undefined;
    for (const s of this.sessions.values()) {
      if (filter.user !== undefined && s.user !== filter.user) continue;
      if (filter.accessToken !== undefined && s.id !== bySession) continue;
      if (!s.revoked) n++;
      s.revoked = true;
    }
    return n;
  }

  /** Makes every refresh token issued so far expired. */
  expireRefreshTokens(): void {
    for (const r of this.refreshTokens.values()) r.expiresAt = 0;
  }

  /** Remembers newly issued session credentials and returns them. */
  issueCredentials(identity: Identity, ttlSeconds: number, opts: { mfa?: boolean; assumedRole?: boolean; byLongTermKeys?: boolean } = {}): StoredCredentials {
    const c: StoredCredentials = {
      accessKeyId: 'ASIA' + awsIdChars(16),
      secretAccessKey: randomToken(30),
      sessionToken: 'IQoJb3JpZ2luX2VjE' + randomToken(96),
      expiresAt: Date.now() + ttlSeconds * 1000,
      identity,
      mfa: opts.mfa ?? false,
      assumedRole: opts.assumedRole ?? false,
      ...(opts.byLongTermKeys ? { byLongTermKeys: true } : {}),
    };
    this.credentials.set(c.accessKeyId, c);
    return c;
  }

  /** Issued credentials, or the scenario's IAM user keys. */
  findCredentials(accessKeyId: string): StoredCredentials | undefined {
    const issued = this.credentials.get(accessKeyId);
    if (issued) return issued;
    const u = this.scenario.iamUsers.find((x) => x.accessKeyId === accessKeyId);
    if (!u) return undefined;
    return {
      accessKeyId: u.accessKeyId,
      secretAccessKey: u.secretAccessKey,
      identity: iamUserIdentity(u.accountId, u.userName),
      mfa: false,
      assumedRole: false,
    };
  }
}

/** The identity of an IAM user. */
export function iamUserIdentity(accountId: string, userName: string): Identity {
  return {
    arn: `arn:aws:iam::${accountId}:user/${userName}`,
    account: accountId,
    userId: 'AIDA' + awsIdChars(17, `user:${accountId}:${userName}`),
    iamUser: userName,
  };
}

/** The identity of a session of `roleArn` named `sessionName`. */
export function assumedRoleIdentity(roleArn: string, sessionName: string): Identity {
  const m = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(roleArn);
  const account = m?.[1] ?? '000000000000';
  const roleName = m?.[2] ?? roleArn;
  return {
    arn: `arn:aws:sts::${account}:assumed-role/${roleName}/${sessionName}`,
    account,
    userId: `${roleIdOf(roleArn)}:${sessionName}`,
    roleArn,
  };
}

/** The unique id (AROA...) of a role. */
export function roleIdOf(roleArn: string): string {
  return 'AROA' + awsIdChars(17, `role:${roleArn}`);
}

/** The IAM role behind an SSO permission set in an account. */
export function ssoRoleArn(accountId: string, permissionSet: string): string {
  const hex = createHash('sha256').update(`${accountId}/${permissionSet}`).digest('hex').slice(0, 16);
  return `arn:aws:iam::${accountId}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_${permissionSet}_${hex}`;
}
