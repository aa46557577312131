/**
 * Where `atmos-auth console --destination ALIAS` lands: the same service aliases as `atmos auth
 * console` (cloudposse/atmos pkg/auth/cloud/aws/destinations.go:12-162, ServiceDestinations), kept
 * here as paths on the console host so that the partition decides the host (aws, aws-us-gov,
 * aws-cn). A destination that is a URL is taken as it is; an alias is matched without case, after
 * trimming, as ResolveDestination does there (destinations.go:164-191).
 */
import { UsageError } from '../errors.ts';

const PATHS: Record<string, string> = {
  // Storage Services
  s3: '/s3', efs: '/efs', fsx: '/fsx', glacier: '/glacier', backup: '/backup',
  // Compute Services
  ec2: '/ec2', lambda: '/lambda', lightsail: '/lightsail', batch: '/batch', elasticbeanstalk: '/elasticbeanstalk',
  serverless: '/lambda/home#/applications',
  // Container Services
  ecs: '/ecs', ecr: '/ecr', eks: '/eks', fargate: '/ecs',
  // Database Services
  rds: '/rds', dynamodb: '/dynamodb', elasticache: '/elasticache', neptune: '/neptune', timestream: '/timestream',
  documentdb: '/docdb', keyspaces: '/keyspaces', qldb: '/qldb', memorydb: '/memorydb',
  // Networking Services
  vpc: '/vpc', cloudfront: '/cloudfront', route53: '/route53', apigateway: '/apigateway', directconnect: '/directconnect',
  elb: '/ec2/v2/home#LoadBalancers', globalaccelerator: '/globalaccelerator', transitgateway: '/vpc/home#TransitGateways',
  privatelink: '/vpc/home#Endpoints',
  // Security & Identity
  iam: '/iam', organizations: '/organizations', cognito: '/cognito', secretsmanager: '/secretsmanager', kms: '/kms',
  acm: '/acm', waf: '/wafv2', shield: '/shield', guardduty: '/guardduty', inspector: '/inspector', macie: '/macie',
  securityhub: '/securityhub', detective: '/detective', sso: '/singlesignon', directory: '/directoryservicev2',
  // Management & Governance
  cloudwatch: '/cloudwatch', cloudtrail: '/cloudtrail', config: '/config', cloudformation: '/cloudformation',
  servicecatalog: '/servicecatalog', 'systems-manager': '/systems-manager', ssm: '/systems-manager', opsworks: '/opsworks',
  controltower: '/controltower', 'license-manager': '/license-manager', 'resource-groups': '/resource-groups',
  'tag-editor': '/resource-groups/tag-editor', 'trusted-advisor': '/trustedadvisor', 'well-architected': '/wellarchitected',
  // Developer Tools
  codecommit: '/codecommit', codebuild: '/codebuild', codedeploy: '/codedeploy', codepipeline: '/codepipeline',
  codeartifact: '/codeartifact', cloud9: '/cloud9', xray: '/xray',
  // Analytics
  athena: '/athena', emr: '/emr', cloudsearch: '/cloudsearch', elasticsearch: '/aos', opensearch: '/aos',
  kinesis: '/kinesis', quicksight: '/quicksight', glue: '/glue', 'lake-formation': '/lakeformation', msk: '/msk',
  redshift: '/redshift',
  // Application Integration
  sns: '/sns', sqs: '/sqs', eventbridge: '/events', mq: '/amazon-mq', 'step-functions': '/states', appflow: '/appflow',
  // Migration & Transfer
  dms: '/dms', datasync: '/datasync', transfer: '/transfer', 'migration-hub': '/migrationhub', 'application-discovery': '/discovery',
  'server-migration': '/servermigration',
  // Cost Management
  billing: '/billing', 'cost-explorer': '/cost-management/home#/cost-explorer', budgets: '/billing/home#/budgets',
  // Machine Learning
  sagemaker: '/sagemaker', rekognition: '/rekognition', textract: '/textract', comprehend: '/comprehend',
  translate: '/translate', polly: '/polly', transcribe: '/transcribe', lex: '/lex', personalize: '/personalize',
  forecast: '/forecast', kendra: '/kendra', bedrock: '/bedrock',
  // IoT
  'iot-core': '/iot', 'iot-analytics': '/iotanalytics', 'iot-events': '/iotevents', greengrass: '/greengrass',
  // End User Computing
  workspaces: '/workspaces', appstream: '/appstream2', worklink: '/worklink',
  // Common Aliases
  console: '/console/home', home: '/console/home', dashboard: '/console/home',
};

/** Every alias, sorted (for help, errors and shell completion). */
export const DESTINATION_ALIASES: readonly string[] = Object.keys(PATHS).sort();

/** The console's host for a region: the partition's (GovCloud, China), else the global one. */
export function consoleHost(region: string | null | undefined): string {
  const r = region ?? '';
  if (r.startsWith('us-gov-')) return 'console.amazonaws-us-gov.com';
  if (r.startsWith('cn-')) return 'console.amazonaws.cn';
  return 'console.aws.amazon.com';
}

/**
 * The URL for `destination`: a URL as given, an alias on the partition's console host, and with
 * nothing given, the console's home (`https://<host>/`, Atmos's AWSConsoleDestination). An unknown
 * alias is a UsageError that names the closest aliases.
 */
export function resolveDestination(destination: string | undefined, region: string | null | undefined): string {
  const host = consoleHost(region);
  const d = (destination ?? '').trim();
  if (!d) return `https://${host}/`;
  if (/^https?:\/\//i.test(d)) return d;
  const path = PATHS[d.toLowerCase()];
  if (path) return `https://${host}${path}`;
  const near = DESTINATION_ALIASES.filter((a) => a.startsWith(d.toLowerCase().slice(0, 2))).slice(0, 8);
  throw new UsageError(`unknown console destination '${d}'`, {
    hint: `use a console URL or an alias such as ${(near.length ? near : ['s3', 'ec2', 'cloudformation', 'iam']).join(', ')} (all: atmos-auth console --list-destinations)`,
  });
}
