/** AWS credentials as the rest of atmos-auth passes them around. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** When they stop working; absent for long-term IAM user keys. */
  expiration?: Date;
}
