/** AWS credentials as the rest of atmos-auth passes them around. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** When they stop working; absent for long-term IAM user keys. */
  expiration?: Date;
}

/**
 * May this run open a browser (or prompt for an MFA code)? `never`: fail with the command that
 * fixes it; `if-needed`: only when the cached token cannot be refreshed; `always`: log in afresh.
 */
export type LoginPolicy = 'never' | 'if-needed' | 'always';
