// What every handler gets, and small helpers to answer.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AwsError } from './errors.ts';
import type { RequestLogEntry, State } from './state.ts';

/** One request being handled. Handlers add what the log may show to `entry`. */
export interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  body: Buffer;
  state: State;
  /** The emulator's base URL (http://127.0.0.1:PORT). */
  baseUrl: string;
  requestId: string;
  entry: RequestLogEntry;
}

/** Reads the whole request body (they are small). */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The body as a JSON object; an empty body is {}. */
export function jsonBody(ctx: Ctx): Record<string, unknown> {
  if (ctx.body.length === 0) return {};
  try {
    const v: unknown = JSON.parse(ctx.body.toString('utf8'));
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw new AwsError('InvalidRequestException', 'Request body is not a JSON object');
}

/** A string field of a parsed body, or undefined. */
export function str(o: Record<string, unknown>, key: string): string | undefined {
  const v = o[key];
  return typeof v === 'string' ? v : undefined;
}

/** A string-array field of a parsed body (undefined when absent). */
export function strList(o: Record<string, unknown>, key: string): string[] | undefined {
  const v = o[key];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;
}

/** Answers JSON (REST-JSON success). */
export function sendJson(ctx: Ctx, body: unknown, status = 200): void {
  ctx.res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-RequestId': ctx.requestId });
  ctx.res.end(body === undefined ? '' : JSON.stringify(body));
}

/** Answers a small HTML page (the browser side). */
export function sendHtml(ctx: Ctx, status: number, title: string, text: string): void {
  const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  ctx.res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  ctx.res.end(`<!doctype html><title>${esc(title)}</title><h1>${esc(title)}</h1><p>${esc(text)}</p>\n`);
}

/** Answers a 302 redirect. */
export function redirect(ctx: Ctx, location: string): void {
  ctx.res.writeHead(302, { location, 'cache-control': 'no-store' });
  ctx.res.end();
}

/** Resolves after `ms` without blocking other requests. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
