// The admin API under /__admin/, for tests in other processes (shell tests, the demo). Never
// logged, never faulted.
import type { ServerResponse } from 'node:http';
import { type ScenarioInput, mergeScenario } from './scenario.ts';
import type { Fault, State } from './state.ts';

/** What the admin API needs. */
export interface AdminCtx {
  method: string;
  url: URL;
  body: Buffer;
  res: ServerResponse;
  state: State;
  fake: { count(op: string): number };
}

/**
 * GET  /__admin/requests                 the request log (JSON array)
 * GET  /__admin/count?op=X               how many X requests (a JSON number)
 * GET  /__admin/scenario                 the live scenario
 * POST /__admin/clear-log | clear-faults | expire-refresh-tokens
 * POST /__admin/fault     {Fault}
 * POST /__admin/revoke    {user?, accessToken?}
 * POST /__admin/scenario  {partial scenario}, merged over the live one
 */
export function handleAdmin(a: AdminCtx): void {
  const name = a.url.pathname.slice('/__admin/'.length);
  const send = (status: number, v: unknown) => {
    a.res.writeHead(status, { 'content-type': 'application/json' });
    a.res.end(JSON.stringify(v) + '\n');
  };
  try {
    const key = `${a.method} ${name}`;
    switch (key) {
      case 'GET requests':
        return send(200, a.state.log);
      case 'GET count':
        return send(200, a.fake.count(a.url.searchParams.get('op') ?? ''));
      case 'GET scenario':
        return send(200, a.state.scenario);
      case 'POST clear-log':
        a.state.log.splice(0);
        return send(200, { ok: true });
      case 'POST clear-faults':
        a.state.faults.splice(0);
        return send(200, { ok: true });
      case 'POST expire-refresh-tokens':
        a.state.expireRefreshTokens();
        return send(200, { ok: true });
      case 'POST fault':
        a.state.addFault(json(a.body) as unknown as Fault);
        return send(200, { ok: true });
      case 'POST revoke':
        return send(200, { ok: true, revoked: a.state.revoke(json(a.body) as { user?: string; accessToken?: string }) });
      case 'POST scenario':
        mergeScenario(a.state.scenario, json(a.body) as ScenarioInput);
        return send(200, { ok: true });
      default:
        return send(404, { error: `no admin endpoint ${a.method} /__admin/${name}` });
    }
  } catch (err) {
    return send(400, { error: (err as Error).message });
  }
}

function json(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  const v: unknown = JSON.parse(body.toString('utf8'));
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('expected a JSON object');
  return v as Record<string, unknown>;
}
