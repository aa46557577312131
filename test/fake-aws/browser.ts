// A test browser: GETs a URL and follows redirects, including the last hop to the product's loopback
// callback, the way a real browser would after the user approves. Prints nothing secret (only the
// path of each hop, never the query that carries the code). Exit 0 when the last page answers 2xx.
//   node test/fake-aws/browser.ts URL
import { request } from 'node:http';

const MAX_HOPS = 10;

function get(url: URL): Promise<{ status: number; location?: string }> {
  return new Promise((resolve, reject) => {
    if (url.protocol !== 'http:') return reject(new Error(`browser: only http URLs are supported (${url.protocol})`));
    const req = request(url, { method: 'GET', headers: { 'user-agent': 'fake-aws-browser/1', accept: 'text/html' } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ...(res.headers.location ? { location: res.headers.location } : {}) }));
    });
    req.setTimeout(15_000, () => req.destroy(new Error('browser: timed out')));
    req.on('error', reject);
    req.end();
  });
}

async function main(): Promise<number> {
  const arg = process.argv[2];
  if (!arg) {
    process.stderr.write('usage: browser.ts URL\n');
    return 2;
  }
  let url = new URL(arg);
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    const r = await get(url);
    process.stderr.write(`browser: GET ${url.origin}${url.pathname} -> ${r.status}\n`);
    if (r.status >= 300 && r.status < 400 && r.location) {
      url = new URL(r.location, url);
      continue;
    }
    return r.status >= 200 && r.status < 300 ? 0 : 1;
  }
  process.stderr.write('browser: too many redirects\n');
  return 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  },
);
