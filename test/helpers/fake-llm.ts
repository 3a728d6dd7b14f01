import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for an OpenAI-compatible chat completions API (Hugging Face's router speaks
 * this) on loopback: `POST /v1/chat/completions`. It records what it was sent and answers
 * as `mode` says: a JSON memo (optionally inside a ```json fence), text that is not the
 * memo, an HTTP error, or nothing at all (to exercise the caller's timeout).
 */

export type FakeLlmMode =
  | { kind: 'memo'; memo: unknown; fenced?: boolean }
  | { kind: 'content'; content: string }
  | { kind: 'status'; status: number; body?: string }
  | { kind: 'hang' };

export interface FakeLlmRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: any;
  raw: string;
}

export interface FakeLlm {
  /** The base URL, for HUGGINGFACE_API_BASE (`${url}/chat/completions` is served). */
  url: string;
  mode: FakeLlmMode;
  requests: FakeLlmRequest[];
  close(): Promise<void>;
}

export async function startFakeLlm(): Promise<FakeLlm> {
  const fake = { url: '', mode: { kind: 'memo', memo: {} }, requests: [] } as unknown as FakeLlm;
  const server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      let body: any = null;
      try {
        body = JSON.parse(raw);
      } catch {}
      fake.requests.push({ path: req.url ?? '', headers: req.headers, body, raw });
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
        return;
      }
      const mode = fake.mode;
      if (mode.kind === 'hang') return; // never answers; closed by close()
      if (mode.kind === 'status') {
        res.writeHead(mode.status, { 'content-type': 'application/json' }).end(mode.body ?? '{"error":"Internal Server Error"}');
        return;
      }
      const content =
        mode.kind === 'content' ? mode.content : mode.fenced ? '```json\n' + JSON.stringify(mode.memo, null, 2) + '\n```' : JSON.stringify(mode.memo);
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          id: 'chatcmpl-fake',
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model: body?.model ?? 'unknown',
          choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 100, completion_tokens: 50, total_tokens: 150 },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  fake.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
}
