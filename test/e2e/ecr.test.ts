// docker follows the identity (issue 14 §3): an aws/ecr integration becomes a docker config
// directory of the identity's own (0700, config.json 0600) with the registry's login from the
// emulator's ECR GetAuthorizationToken (AWS_ENDPOINT_URL_ECR) on top of a copy of the user's docker
// config; a real registry client (skopeo) pushes to and pulls from a real local registry (Debian's
// docker-registry) whose basic auth only that login opens.
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startFakeAws } from '../fake-aws/server.ts';
import { CLI, cli, sandbox } from './helpers.ts';
import { runAsync } from '../helpers/spawn.ts';

for (const tool of ['docker-registry', 'skopeo', 'htpasswd']) {
  if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) throw new Error(`${tool} is needed (Debian: apt-get install docker-registry skopeo apache2-utils)`);
}

const fake = await startFakeAws();
const sb = sandbox(fake);

/** A free loopback port (the registry binds it itself). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

// The registry: basic auth with user AWS and a password only the emulator's ECR token carries.
const password = randomBytes(16).toString('hex');
const regDir = join(sb.dir, 'registry');
mkdirSync(regDir);
const htpasswd = spawnSync('htpasswd', ['-Bbn', 'AWS', password], { encoding: 'utf8' });
writeFileSync(join(regDir, 'htpasswd'), htpasswd.stdout);
const port = await freePort();
const host = `127.0.0.1:${port}`;
writeFileSync(join(regDir, 'config.yml'), `version: 0.1\nlog: { level: error }\nstorage: { filesystem: { rootdirectory: ${join(regDir, 'data')} } }\nhttp: { addr: "${host}" }\nauth: { htpasswd: { realm: basic-realm, path: ${join(regDir, 'htpasswd')} } }\n`);
const registry = spawn('docker-registry', ['serve', join(regDir, 'config.yml')], { stdio: 'ignore' });
for (let i = 0; i < 100; i++) {
  const up = await fetch(`http://${host}/v2/`).then((r) => r.status, () => 0);
  if (up === 401) break;
  await new Promise((r) => setTimeout(r, 50));
}
fake.scenario.registries.push({ accountId: '200000000001', region: 'us-east-2', endpoint: `http://${host}`, password });

writeFileSync(join(sb.acme, 'profiles/developers/integrations.yaml'), `auth:
  integrations:
    plat-dev-ecr:
      kind: aws/ecr
      via: { identity: plat-dev/terraform }
      spec: { registry: { account_id: "200000000001", region: us-east-2 } }
    plat-staging-ecr:
      kind: aws/ecr
      via: { identity: plat-staging/terraform }
      spec: { registry: { account_id: "200000000001", region: us-east-2 } }
`);
// The user's own docker config: another registry's login, a credential helper, a setting, a CLI plugin.
const userDocker = join(sb.home, '.docker');
mkdirSync(join(userDocker, 'cli-plugins'), { recursive: true });
writeFileSync(join(userDocker, 'cli-plugins', 'docker-compose'), '#!/bin/sh\n');
writeFileSync(join(userDocker, 'config.json'), JSON.stringify({ auths: { 'registry.example:5000': { auth: 'dXNlcjpwdw==' } }, credHelpers: { 'gcr.io': 'gcloud' }, detachKeys: 'ctrl-x' }));

test.after(async () => {
  registry.kill('SIGKILL');
  await new Promise((r) => registry.once('close', r));
  await fake.close();
  sb.cleanup();
});

/** A minimal OCI image layout (one layer) to push. */
function ociImage(dir: string): void {
  const blob = (data: Buffer) => {
    const digest = createHash('sha256').update(data).digest('hex');
    mkdirSync(join(dir, 'blobs/sha256'), { recursive: true });
    writeFileSync(join(dir, 'blobs/sha256', digest), data);
    return { digest: `sha256:${digest}`, size: data.length };
  };
  const tar = Buffer.alloc(1024); // an empty tar archive: two zero blocks
  const layer = blob(gzipSync(tar));
  const config = blob(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [`sha256:${createHash('sha256').update(tar).digest('hex')}`] } })));
  const manifest = blob(Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
  })));
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'org.opencontainers.image.ref.name': 'latest' } }] }));
}

/** skopeo, without blocking this process (the emulator answers from its event loop). */
const skopeo = (env: Record<string, string>, ...args: string[]) =>
  runAsync('skopeo', args, { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: sb.home, ...env } });

let dockerConfig = '';

test('ecr login: a 0700 docker config of the identity, the registry login on top of the user\'s settings, helpers and plugins', async () => {
  const r = await cli(sb, ['ecr', 'login']);
  assert.is(r.code, 0, r.stderr);
  dockerConfig = r.stdout.trim();
  assert.is(statSync(dockerConfig).mode & 0o777, 0o700);
  assert.is(statSync(join(dockerConfig, 'config.json')).mode & 0o777, 0o600);
  const c = JSON.parse(readFileSync(join(dockerConfig, 'config.json'), 'utf8')) as { auths: Record<string, { auth: string }>; credHelpers: Record<string, string>; detachKeys: string };
  assert.is(Buffer.from(c.auths[host]!.auth, 'base64').toString(), `AWS:${password}`);
  assert.is(c.auths['registry.example:5000']!.auth, 'dXNlcjpwdw==');
  assert.equal(c.credHelpers, { 'gcr.io': 'gcloud' });
  assert.is(c.detachKeys, 'ctrl-x');
  assert.ok(lstatSync(join(dockerConfig, 'cli-plugins')).isSymbolicLink());
  assert.is(readlinkSync(join(dockerConfig, 'cli-plugins')), join(userDocker, 'cli-plugins'));
  assert.is(fake.count('GetAuthorizationToken'), 1);
  assert.not.match(r.stderr, new RegExp(password));
  // Within its 12 hours the login is reused: no second request.
  fake.clearLog();
  assert.is((await cli(sb, ['ecr', 'login'])).code, 0);
  assert.is(fake.count('GetAuthorizationToken'), 0);
});

test('export (what the hook runs) points DOCKER_CONFIG at that directory; an identity without aws/ecr leaves it alone', async () => {
  const r = await cli(sb, ['export', '--format', 'json']);
  assert.is(r.code, 0, r.stderr);
  assert.is((JSON.parse(r.stdout) as Record<string, string>).DOCKER_CONFIG, dockerConfig);
  const prod = await cli(sb, ['export', '--format', 'json'], { cwd: sb.stackDir('plat/prod') });
  assert.is(prod.code, 0, prod.stderr);
  assert.not.ok('DOCKER_CONFIG' in (JSON.parse(prod.stdout) as Record<string, string>));
});

test('skopeo pushes and pulls with DOCKER_CONFIG set to it; the user\'s own config is refused by the registry', async () => {
  const image = join(sb.dir, 'image');
  ociImage(image);
  const push = await skopeo({ DOCKER_CONFIG: dockerConfig }, 'copy', '--dest-tls-verify=false', `oci:${image}:latest`, `docker://${host}/app:v1`);
  assert.is(push.status, 0, push.stderr);
  const inspect = await skopeo({ DOCKER_CONFIG: dockerConfig }, 'inspect', '--tls-verify=false', '--raw', `docker://${host}/app:v1`);
  assert.is(inspect.status, 0, inspect.stderr);
  assert.is((JSON.parse(inspect.stdout) as { schemaVersion: number }).schemaVersion, 2);
  const without = await skopeo({}, 'inspect', '--tls-verify=false', '--raw', `docker://${host}/app:v1`);
  assert.is.not(without.status, 0);
  assert.match(without.stderr, /unauthorized|authentication required/);
});

test('a user credsStore: the registry gets our own credential helper (docker would ask the store first); skopeo authenticates through it', async () => {
  writeFileSync(join(userDocker, 'config.json'), JSON.stringify({ credsStore: 'desktop', credHelpers: { [host]: 'ecr-login' } }));
  // A different identity's directory is made from the new user config.
  fake.clearLog();
  const r = await cli(sb, ['ecr', 'login'], { cwd: sb.stackDir('plat/staging') });
  assert.is.not(r.code, 0, 'plat-staging may not log in to plat-dev\'s registry');
  assert.match(r.stderr, /plat-staging\/terraform may not log in to ECR registry 200000000001 in us-east-2/);
  // The AWS call and the profile's mapping on the first line, the other profiles in the hint (issue 15 §4).
  assert.match(r.stderr, /\(ecr:GetAuthorizationToken denied\); profile developers maps plat-staging\/terraform to TerraformPlanAccess in plat-staging\n  .*profiles giving plat-staging\/terraform more: devops \(TerraformApplyAccess, apply\)/);
  rmDockerLogin();
  const again = await cli(sb, ['ecr', 'login']);
  assert.is(again.code, 0, again.stderr);
  const c = JSON.parse(readFileSync(join(dockerConfig, 'config.json'), 'utf8')) as { credsStore: string; credHelpers: Record<string, string> };
  assert.is(c.credsStore, 'desktop');
  assert.equal(c.credHelpers, { [host]: 'atmos-auth' });
  // The helper as install.sh links it: the executable under the protocol's name, on PATH.
  const bin = join(sb.dir, 'bin');
  mkdirSync(bin, { recursive: true });
  symlinkSync(CLI, join(bin, 'docker-credential-atmos-auth'));
  const PATH = `${bin}:${dirname(process.execPath)}:${process.env.PATH ?? ''}`;
  const inspect = await skopeo({ DOCKER_CONFIG: dockerConfig, PATH }, 'inspect', '--tls-verify=false', '--raw', `docker://${host}/app:v1`);
  assert.is(inspect.status, 0, inspect.stderr);
  const list = spawnSync(join(bin, 'docker-credential-atmos-auth'), ['list'], { env: { PATH, DOCKER_CONFIG: dockerConfig }, encoding: 'utf8' });
  assert.equal(JSON.parse(list.stdout), { [host]: 'AWS' });
  const miss = spawnSync(join(bin, 'docker-credential-atmos-auth'), ['get'], { env: { PATH, DOCKER_CONFIG: dockerConfig }, input: 'https://elsewhere.example/', encoding: 'utf8' });
  assert.is(miss.status, 1);
  assert.is(miss.stdout.trim(), 'credentials not found in native keychain');
});

/** Forgets the stored login so the next `ecr login` fetches one (and re-reads the user's config). */
function rmDockerLogin(): void {
  writeFileSync(join(dockerConfig, 'atmos-auth.json'), JSON.stringify({ source: userDocker, logins: {} }));
}

test.run();
