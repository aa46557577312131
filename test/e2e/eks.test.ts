// kubectl follows the identity (issue 14 §2): aws/eks integrations of the identity become one
// kubeconfig (0600) with a context per cluster (DescribeCluster on the emulator through
// AWS_ENDPOINT_URL_EKS), whose user runs `atmos-auth eks token`; real kubectl talks to a fake API
// server that accepts the token only after the emulator's STS confirms the presigned
// GetCallerIdentity URL for that cluster, as EKS's authenticator does.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { load } from 'js-yaml';
import { startFakeAws } from '../fake-aws/server.ts';
import { startKubeApi } from '../fake-aws/kube-api.ts';
import { cli, sandbox } from './helpers.ts';
import { hookFile, runShellAsync, shells } from '../helpers/shells.ts';
import { runAsync } from '../helpers/spawn.ts';

if (spawnSync('sh', ['-c', 'command -v kubectl']).status !== 0) throw new Error('kubectl is needed (Debian: apt-get install kubernetes-client)');

const fake = await startFakeAws();
const sb = sandbox(fake);
const use2 = await startKubeApi('plat-dev-use2', fake.url);
const usw2 = await startKubeApi('plat-dev-usw2', fake.url);
fake.scenario.clusters.push(
  { name: 'plat-dev-use2', region: 'us-east-2', accountId: '200000000001', endpoint: use2.url, certificateAuthority: use2.ca },
  { name: 'plat-dev-usw2', region: 'us-west-2', accountId: '200000000001', endpoint: usw2.url, certificateAuthority: usw2.ca },
  { name: 'plat-prod-use2', region: 'us-east-2', accountId: '200000000003', endpoint: use2.url, certificateAuthority: use2.ca },
);
// The integrations, in a file of their own in the developers profile (every YAML file of a profile merges).
writeFileSync(join(sb.acme, 'profiles/developers/integrations.yaml'), `auth:
  integrations:
    plat-dev-use2:
      kind: aws/eks
      via: { identity: plat-dev/terraform }
      spec: { cluster: { name: plat-dev-use2, region: us-east-2, alias: plat-dev-use2 } }
    plat-dev-usw2:
      kind: aws/eks
      via: { identity: plat-dev/terraform }
      spec: { cluster: { name: plat-dev-usw2, region: us-west-2 } }
    plat-staging-wrong-account:
      kind: aws/eks
      via: { identity: plat-staging/terraform }
      spec: { cluster: { name: plat-prod-use2, region: us-east-2 } }
`);

test.after(async () => {
  await Promise.all([use2.close(), usw2.close(), fake.close()]);
  sb.cleanup();
});

/** kubectl without blocking: the fake API servers answer from this process's event loop. */
const kubectl = (kubeconfig: string, ...args: string[]) => runAsync('kubectl', ['--kubeconfig', kubeconfig, ...args], { env: sb.env });

let kubeconfig = '';

test('eks kubeconfig: one 0600 file for the identity, a context per cluster from DescribeCluster, a user that runs `eks token`', async () => {
  const r = await cli(sb, ['eks', 'kubeconfig']);
  assert.is(r.code, 0, r.stderr);
  kubeconfig = r.stdout.trim();
  assert.is(statSync(kubeconfig).mode & 0o777, 0o600);
  assert.is(statSync(join(kubeconfig, '..')).mode & 0o777, 0o700);
  const doc = load(readFileSync(kubeconfig, 'utf8')) as {
    contexts: { name: string; context: { cluster: string; user: string } }[];
    clusters: { name: string; cluster: { server: string; 'certificate-authority-data': string } }[];
    users: { name: string; user: { exec: { command: string; args: string[]; apiVersion: string; interactiveMode: string } } }[];
    'current-context': string;
  };
  assert.equal(doc.contexts.map((c) => c.name).sort(), ['arn:aws:eks:us-west-2:200000000001:cluster/plat-dev-usw2', 'plat-dev-use2']);
  assert.is(doc['current-context'], 'plat-dev-use2');
  assert.equal(doc.clusters.map((c) => c.cluster.server).sort(), [use2.url, usw2.url].sort());
  const exec = doc.users[0]!.user.exec;
  assert.is(exec.apiVersion, 'client.authentication.k8s.io/v1beta1');
  assert.is(exec.interactiveMode, 'Never');
  assert.ok(exec.args.includes('token') && exec.args.includes('--identity') && exec.args.includes('plat-dev/terraform'), exec.args.join(' '));
  assert.is(fake.count('DescribeCluster'), 2);
  // Cached with the credentials: a second run asks EKS nothing.
  fake.clearLog();
  const again = await cli(sb, ['eks', 'kubeconfig']);
  assert.is(again.stdout.trim(), kubeconfig);
  assert.is(fake.count('DescribeCluster'), 0);
  // Shown where people look: whoami (JSON and text) and status (offline).
  const who = JSON.parse((await cli(sb, ['whoami', '--json'])).stdout) as { integrations: { name: string; state: string; path?: string }[] };
  assert.equal(who.integrations.map((i) => [i.name, i.state, i.path]), [
    ['plat-dev-use2', 'kubeconfig ready, current context', kubeconfig],
    ['plat-dev-usw2', 'kubeconfig ready', kubeconfig],
  ]);
  const status = await cli(sb, ['status']);
  assert.match(status.stdout, /^ {2}aws\/eks: plat-dev-use2 plat-dev-use2 \(us-east-2\): kubeconfig ready, current context$/m);
});

test('real kubectl reaches each cluster as the identity: the API server verified the token through STS', async () => {
  const r = await kubectl(kubeconfig, 'get', '--raw', '/api/v1/namespaces/default/pods');
  assert.is(r.status, 0, r.stderr);
  const pods = JSON.parse(r.stdout) as { items: { metadata: { annotations: Record<string, string> } }[] };
  assert.match(pods.items[0]!.metadata.annotations['caller-arn']!, /^arn:aws:sts::200000000001:assumed-role\/AWSReservedSSO_TerraformApplyAccess_/);
  assert.ok(use2.callers.length >= 1);
  const other = await kubectl(kubeconfig, '--context', 'arn:aws:eks:us-west-2:200000000001:cluster/plat-dev-usw2', 'get', '--raw', '/api/v1/namespaces/kube-system/pods');
  assert.is(other.status, 0, other.stderr);
  assert.ok(usw2.callers.length >= 1);
  for (const arn of [...use2.callers, ...usw2.callers]) assert.match(arn, /^arn:aws:sts::200000000001:assumed-role\/AWSReservedSSO_TerraformApplyAccess_/);
  assert.equal([...use2.refusals, ...usw2.refusals], []);
});

test('eks token: an ExecCredential, cached until shortly before its end; bound to its cluster; the v1 API when kubectl asks for it', async () => {
  const args = ['eks', 'token', '--cluster-name', 'plat-dev-use2', '--region', 'us-east-2', '--identity', 'plat-dev/terraform', '--root', sb.acme];
  const a = await cli(sb, args, { cwd: sb.dir });
  assert.is(a.code, 0, a.stderr);
  const cred = JSON.parse(a.stdout) as { kind: string; apiVersion: string; status: { token: string; expirationTimestamp: string } };
  assert.is(cred.kind, 'ExecCredential');
  assert.is(cred.apiVersion, 'client.authentication.k8s.io/v1beta1');
  assert.match(cred.status.token, /^k8s-aws-v1\.[A-Za-z0-9_-]+$/);
  const left = Date.parse(cred.status.expirationTimestamp) - Date.now();
  assert.ok(left > 13 * 60_000 && left <= 14 * 60_000 + 5000, `${left} ms left`);
  const url = Buffer.from(cred.status.token.slice('k8s-aws-v1.'.length), 'base64url').toString();
  assert.is(new URL(url).searchParams.get('X-Amz-Expires'), '60');
  const b = await cli(sb, args, { cwd: sb.dir, env: { KUBERNETES_EXEC_INFO: JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', spec: { interactive: false } }) } });
  const cred2 = JSON.parse(b.stdout) as typeof cred;
  assert.is(cred2.status.token, cred.status.token, 'served from the token cache');
  assert.is(cred2.apiVersion, 'client.authentication.k8s.io/v1');
  // Bound to its cluster: STS verifies the signed x-k8s-aws-id header, so another cluster's API server gets a refusal.
  const direct = await fetch(url, { headers: { 'x-k8s-aws-id': 'plat-dev-usw2' } });
  assert.is(direct.status, 403, 'STS refuses the URL for another cluster');
  const ok = await fetch(url, { headers: { 'x-k8s-aws-id': 'plat-dev-use2' } });
  assert.is(ok.status, 200);
});

test('the hook: kubectl follows the stack in zsh, bash and fish; the prompt shows the context when asked; leaving restores the user\'s KUBECONFIG', async () => {
  for (const shell of shells) {
    const hook = hookFile(sb.dir, shell);
    const show = shell === 'fish'
      ? "function show; for v in KUBECONFIG KUBE_CONFIG_PATH ATMOS_AUTH_KUBE_CONTEXT; printf '%s=' $v; if set -l x (printenv $v); printf '[%s]\\n' \"$x\"; else; echo UNSET; end; end; printf 'prompt=[%s]\\n' (atmos_auth_prompt); end"
      : "show() { for v in KUBECONFIG KUBE_CONFIG_PATH ATMOS_AUTH_KUBE_CONTEXT; do printf '%s=' $v; if printenv $v >/dev/null; then printf '[%s]\\n' \"$(printenv $v)\"; else echo UNSET; fi; done; printf 'prompt=[%s]\\n' \"$(atmos_auth_prompt)\"; }";
    const prompt = shell === 'zsh' ? '__atmos_auth_hook precmd' : shell === 'bash' ? '__atmos_auth_prompt_command' : '__atmos_auth_hook prompt';
    const set = shell === 'fish' ? "set -gx KUBECONFIG '/home/me/.kube/config'; set -gx ATMOS_AUTH_PROMPT_KUBE 1" : "export KUBECONFIG='/home/me/.kube/config' ATMOS_AUTH_PROMPT_KUBE=1";
    const script = [`source '${hook}'`, show, set,
      `cd '${sb.stackDir('plat/dev')}'`, prompt, 'echo ---dev', 'show',
      `cd '${sb.stackDir('plat/prod')}'`, prompt, 'echo ---prod', 'show',
      `cd '${sb.dir}'`, prompt, 'echo ---left', 'show'].join('\n');
    const r = await runShellAsync(shell, script, { ...sb.env, BROWSER: '' });
    const [, dev, prod, left] = r.stdout.split(/---\w+\n/);
    const esc = kubeconfig.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    assert.match(dev ?? '', new RegExp(`^KUBECONFIG=\\[${esc}\\]\\nKUBE_CONFIG_PATH=\\[${esc}\\]\\nATMOS_AUTH_KUBE_CONTEXT=\\[plat-dev-use2\\]\\nprompt=\\[plat-dev/terraform \\(apply\\) \\S+ k8s:plat-dev-use2\\]\\n$`), `${shell}: ${r.stdout}${r.stderr}`);
    // prod's identity has no aws/eks integration: the user's own kubeconfig again, no context.
    assert.match(prod ?? '', /^KUBECONFIG=\[\/home\/me\/\.kube\/config\]\nKUBE_CONFIG_PATH=UNSET\nATMOS_AUTH_KUBE_CONTEXT=UNSET\nprompt=\[plat-prod\/terraform \(plan\) \S+\]\n$/, `${shell}: ${r.stdout}${r.stderr}`);
    assert.is(left, 'KUBECONFIG=[/home/me/.kube/config]\nKUBE_CONFIG_PATH=UNSET\nATMOS_AUTH_KUBE_CONTEXT=UNSET\nprompt=[]\n', shell);
  }
});

test('eks token never signs in: without credentials it names `atmos-auth login`, prints nothing on stdout', async () => {
  for (const d of ['.aws/sso/cache', '.cache/atmos/aws-sso', '.cache/atmos-auth/credentials', '.cache/atmos-auth/eks']) rmSync(join(sb.home, d), { recursive: true, force: true });
  fake.clearLog();
  const r = await cli(sb, ['eks', 'token', '--cluster-name', 'plat-dev-use2', '--region', 'us-east-2', '--identity', 'plat-dev/terraform', '--root', sb.acme], { cwd: sb.dir });
  assert.is.not(r.code, 0);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /atmos-auth login/);
  assert.is(fake.count('Authorize'), 0);
  // kubectl shows that message and fails instead of hanging.
  const k = await kubectl(kubeconfig, 'get', '--raw', '/api/v1/namespaces/default/pods');
  assert.is.not(k.status, 0);
  assert.match(k.stderr, /atmos-auth login/);
});

test('a cluster in an account the identity cannot describe: a clear error naming cluster, region and identity', async () => {
  const r = await cli(sb, ['eks', 'kubeconfig'], { cwd: sb.stackDir('plat/staging') });
  assert.is.not(r.code, 0);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /plat-staging\/terraform may not describe EKS cluster plat-prod-use2 in us-east-2/);
  // The AWS call, what the active profile maps the identity to, and the other profiles (issue 15 §4).
  assert.match(r.stderr, /\(eks:DescribeCluster denied\); profile developers maps plat-staging\/terraform to TerraformPlanAccess in plat-staging\n/);
  assert.match(r.stderr, /\n  the integration's identity needs eks:DescribeCluster on the cluster: ask the account's administrator; profiles giving plat-staging\/terraform more: devops \(TerraformApplyAccess, apply\), github-apply \(role acme-plat-staging-terraform, apply\), superadmin \(role acme-plat-staging-terraform, apply\); others: github-plan \(role acme-plat-staging-planner, plan\) \(ATMOS_PROFILE=<profile> atmos-auth export\)\n/);
});

test('an integration without spec.cluster.region is a configuration error naming the file and line', async () => {
  const f = join(sb.acme, 'profiles/developers/broken.yaml');
  writeFileSync(f, 'auth:\n  integrations:\n    broken:\n      kind: aws/eks\n      via: { identity: plat-sandbox/terraform }\n      spec: { cluster: { name: x } }\n');
  try {
    const r = await cli(sb, ['resolve'], { cwd: sb.stackDir('plat/sandbox') });
    assert.is.not(r.code, 0);
    assert.match(r.stderr, /broken\.yaml:4:\d+: integration 'broken' \(aws\/eks\) has no spec\.cluster\.region/);
  } finally {
    rmSync(f);
  }
});

test.run();
