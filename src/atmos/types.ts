/**
 * The data that leaves src/atmos: what a directory resolves to. Everything downstream (credentials,
 * shell output, the resolution cache) depends only on these shapes, never on raw YAML.
 */
import type { Integration } from './integrations.ts';

/** One hop of an identity chain, root provider first. Durations are in seconds. */
export type ChainHop =
  | {
      kind: 'aws/iam-identity-center';
      /** Provider name as written in the config. */
      name: string;
      startUrl: string;
      region: string;
      /** `session.duration` of the provider, seconds, when set. */
      sessionDuration?: number;
    }
  | {
      kind: 'github/oidc';
      name: string;
      region?: string;
      /** Audience for the Actions ID token (`spec.audience`), default `sts.amazonaws.com`. */
      audience: string;
    }
  | {
      kind: 'aws/saml';
      name: string;
      region?: string;
      url?: string;
    }
  | {
      kind: 'aws/permission-set';
      name: string;
      permissionSet: string;
      account: { name?: string; id?: string };
      region?: string;
      sessionDuration?: number;
    }
  | {
      kind: 'aws/assume-role';
      name: string;
      roleArn: string;
      sessionName?: string;
      externalId?: string;
      duration?: number;
      region?: string;
    }
  | {
      kind: 'aws/user';
      name: string;
      region?: string;
      /** MFA device ARN. */
      mfaArn?: string;
      /** GetSessionToken DurationSeconds as Atmos computes it (default 43200, clamped: durations.ts). */
      sessionDuration?: number;
      /**
       * Long-lived keys from the identity's YAML (`credentials.access_key_id`/`secret_access_key`,
       * usually `!env`), used instead of the local store as Atmos does. A secret: the resolution
       * and credentials caches are private files, and `resolve` prints it redacted.
       */
      yamlKeys?: { accessKeyId: string; secretAccessKey: string };
    }
  | {
      /** STS AssumeRoot from the previous hop's credentials (management account or delegated admin). */
      kind: 'aws/assume-root';
      name: string;
      /** The member account (12 digits) whose root session is wanted. */
      targetPrincipal: string;
      /** An AWS-managed root task policy (arn:aws:iam::aws:policy/root-task/...). */
      taskPolicyArn: string;
      /** Seconds, at most 900 (AssumeRoot's limit; longer is capped as Atmos caps it). */
      duration?: number;
      region?: string;
    }
  | {
      /**
       * The credentials the environment already has, from the AWS SDK's default provider chain
       * (keys, AWS_PROFILE, web identity, IMDS); never cleared, never cached. A chain root.
       */
      kind: 'aws/ambient';
      name: string;
      region?: string;
    }
  | {
      /** Cloud-agnostic passthrough: no credentials at all, the environment stays as it is. */
      kind: 'ambient';
      name: string;
      region?: never;
    }
  | {
      /**
       * A provider or identity of a kind Atmos has and atmos-auth does not implement (aws/saml
       * aside, which keeps its own hop): named so that resolve/list can show it; never fetched.
       */
      kind: 'unsupported';
      name: string;
      /** The kind as written (e.g. azure/subscription). */
      declaredKind: string;
      role: 'provider' | 'identity';
      region?: never;
    };

/** One variable of an identity's `env:` list (validated: identity-fields.ts). */
export interface EnvEntry {
  key: string;
  value: string;
}

/** Where the chosen identity came from. */
export type IdentitySource = 'stack' | 'config' | 'env' | 'component';

/** The answer for one directory: `atmos-auth resolve --json` prints exactly this. */
export interface Resolution {
  /** Directory of the atmos.yaml used, or null outside any Atmos repository. */
  root: string | null;
  /** Active profiles in merge order (empty when none). */
  profiles: string[];
  /** Names of the stacks of the directory. */
  stacks: string[];
  /** The identity Atmos would use, or null. */
  identity: string | null;
  source: IdentitySource | null;
  /** Why identity is null, in words, when it is. */
  reason?: string;
  /** Stack -> default identity (null: none), present when the stacks disagree. */
  candidates?: Record<string, string | null>;
  /** AWS region: the stacks' vars.region when they agree, else the identity's/provider's. */
  region: string | null;
  /** Root provider first, the identity last. Empty when identity is null. */
  chain: ChainHop[];
  /** The identity's `env:` entries (absent when none), applied after everything else atmos-auth sets. */
  env?: EnvEntry[];
  /** The component whose `auth:` section chose the identity (`--component`), when one did. */
  component?: string;
  /**
   * Every file whose content went into this answer (config, profile files, manifests and their
   * imports), absolute paths. The resolution cache validates against these; direnv watches them.
   */
  files: string[];
  /**
   * Directories whose listing went into this answer (a new manifest or profile file appearing
   * there can change it). The resolution cache validates their mtimes too.
   */
  dirs: string[];
  /**
   * Paths looked for and not found (an atmos.yaml in a parent, ~/.atmos, atmos.d fragments): one
   * appearing there would change the answer, so the cache and direnv watch these too.
   */
  absent?: string[];
  /** The identity's `auth.integrations` (aws/eks, aws/ecr, others listed), when it has any. */
  integrations?: Integration[];
}
