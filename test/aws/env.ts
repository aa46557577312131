// Imported FIRST by every test/aws file: a private HOME, XDG dirs and AWS config for this process
// (src/paths.ts reads them when first imported), the test browser, and no AWS_* of the developer.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const home = mkdtempSync(join(tmpdir(), 'atmos-auth-aws-'));
for (const k of Object.keys(process.env)) {
  if (/^AWS_|^ATMOS_|^ACTIONS_ID_TOKEN|^SSH_(CONNECTION|TTY)$/.test(k)) delete process.env[k];
}
process.env.HOME = home;
process.env.XDG_CACHE_HOME = join(home, '.cache');
process.env.XDG_CONFIG_HOME = join(home, '.config');
process.env.XDG_DATA_HOME = join(home, '.local', 'share');
process.env.AWS_CONFIG_FILE = join(home, 'aws-config');
process.env.AWS_SHARED_CREDENTIALS_FILE = join(home, 'aws-credentials');
process.env.BROWSER = join(root, 'test/fake-aws/browser.sh');
process.env.FAKE_AWS_NODE = process.execPath;
process.env.AWS_EC2_METADATA_DISABLED = 'true';
delete process.env.DISPLAY;
delete process.env.WAYLAND_DISPLAY;
mkdirSync(join(home, '.aws'), { recursive: true });
process.on('exit', () => rmSync(home, { recursive: true, force: true }));

/** Removes every cache (AWS CLI, Atmos, atmos-auth) between tests. */
export function resetCaches(): void {
  for (const d of [join(home, '.aws', 'sso'), join(home, '.cache')]) rmSync(d, { recursive: true, force: true });
}

/** The provider the tests log in to. */
export const provider = { name: 'acme-sso', startUrl: 'https://acme.awsapps.com/start', region: 'us-east-1' };

/**
 * Atmos's session file of `provider`: sha1(start_url + "|" + region) under the XDG cache
 * (Atmos pkg/auth/providers/aws/sso_cache.go:33-37 and :100-113).
 */
export const atmosSessionFile = join(home, '.cache', 'atmos', 'aws-sso', 'sessions', `${createHash('sha1').update(`${provider.startUrl}|${provider.region}`).digest('hex')}.json`);

/** Removes Atmos's copy of the session, for tests about what the AWS CLI file alone does. */
export function dropAtmosCopy(): void {
  rmSync(atmosSessionFile, { force: true });
}
