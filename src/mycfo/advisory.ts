import { stringify } from 'lossless-json';
/**
 * The advisory memo (`GET /v1/workspaces/{id}/advisory`): a short AI-written summary,
 * suggestions and risks, grounded only in the workspace's computed metrics and alerts.
 *
 * The grounding is computed here, by the caller (the metrics endpoint's JSON and the alerts
 * from `evaluateAlerts`, which persists them as the alerts endpoint does: the reference has
 * alerts "computed fresh on each call and persisted", and persisted alerts give the grounding's
 * alert ids a meaning). The provider sees nothing else: no workspace name, no ids, no
 * transactions, vendors or descriptions.
 *
 * The provider is any OpenAI-compatible chat completions API (Hugging Face's router by
 * default). Whatever goes wrong there (not configured, unreachable, slow, an error status, a
 * reply that is not the JSON asked for) the memo falls back to the computed figures alone with
 * `ai_available: false` and an `ai_error` saying why; the endpoint still answers 200.
 */

export interface AdvisoryProviderConfig {
  apiKey: string | null;
  /** `${apiBase}/chat/completions` */
  apiBase: string;
  model: string;
  timeoutMs: number;
}

export interface AiError {
  type: 'configuration_error' | 'upstream_error';
  code: 'huggingface_not_configured' | 'provider_unavailable' | 'provider_timeout' | 'provider_error' | 'malformed_response';
  message: string;
}

export interface Memo {
  summary: string;
  suggestions: string[];
  risks: string[];
}

export type AdvisoryResult =
  | ({ provider: 'huggingface'; model: string; aiAvailable: true } & Memo)
  | ({ provider: 'fallback'; model: null; aiAvailable: false; aiError: AiError } & Memo);

/** What the provider is shown: the metrics JSON and the alerts' type, severity, message and payload. */
export interface AdvisoryGrounding {
  metrics: Record<string, unknown>;
  alerts: { type: string; severity: string; message: string; payload: Record<string, unknown> }[];
}

export const FALLBACK_SUMMARY = 'AI is currently unavailable. Returning computed metrics and alerts only.';

const SYSTEM_PROMPT = [
  'You are a careful CFO advisor for a small business.',
  'You are given computed financial metrics (all amounts are integer cents in the stated currency; refunds are negative; a null runway means burn is not positive or cash is unknown) and the active alerts.',
  'Base every statement only on these figures. Do not invent numbers, customers, vendors or events. Convert cents to currency units when you quote amounts.',
  'Answer with one JSON object and nothing else, of exactly this shape:',
  '{"summary": "2-4 sentences", "suggestions": ["short actionable suggestion", ...], "risks": ["short risk", ...]}',
  'Give at most 5 suggestions and at most 5 risks; use an empty array when there is nothing to say.',
].join('\n');

export function buildMessages(grounding: AdvisoryGrounding) {
  return [
    { role: 'system', content: SYSTEM_PROMPT },
    {
      role: 'user',
      // Exact: cents past 2^53 are bigints, which JSON.stringify refuses.
      content: `Metrics (30-day window ending on as_of):\n${stringify(grounding.metrics, undefined, 2)}\n\nActive alerts:\n${stringify(grounding.alerts, undefined, 2)}\n\nWrite the advisory memo as the JSON object described.`,
    },
  ];
}

class ProviderFailure extends Error {
  constructor(readonly aiError: AiError) {
    super(aiError.message);
  }
}

const fail = (code: AiError['code'], message: string) => new ProviderFailure({ type: 'upstream_error', code, message });

const MAX_ITEMS = 10;
const MAX_TEXT = 2000;

/** The memo from the model's text: one JSON object, possibly inside a ```json fence. */
export function parseMemo(content: unknown): Memo {
  const malformed = () => fail('malformed_response', 'The AI provider did not answer with the expected JSON memo.');
  if (typeof content !== 'string') throw malformed();
  let text = content.trim();
  const fenced = /^```(?:json)?\s*\n?([\s\S]*?)\n?```$/i.exec(text);
  if (fenced) text = fenced[1].trim();
  let value: any;
  try {
    value = JSON.parse(text);
  } catch {
    // A model may wrap the object in a sentence: take the outermost braces once.
    const start = text.indexOf('{');
    const end = text.lastIndexOf('}');
    if (start < 0 || end <= start) throw malformed();
    try {
      value = JSON.parse(text.slice(start, end + 1));
    } catch {
      throw malformed();
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw malformed();
  const { summary, suggestions, risks } = value;
  const strings = (list: unknown) => Array.isArray(list) && list.every((s) => typeof s === 'string');
  if (typeof summary !== 'string' || summary.trim() === '' || !strings(suggestions) || !strings(risks)) throw malformed();
  const clean = (list: string[]) =>
    list
      .map((s) => s.trim())
      .filter(Boolean)
      .slice(0, MAX_ITEMS)
      .map((s) => s.slice(0, MAX_TEXT));
  return { summary: summary.trim().slice(0, MAX_TEXT * 2), suggestions: clean(suggestions), risks: clean(risks) };
}

async function askProvider(config: AdvisoryProviderConfig & { apiKey: string }, grounding: AdvisoryGrounding, fetchImpl: typeof fetch): Promise<Memo> {
  const signal = AbortSignal.timeout(config.timeoutMs);
  const timedOut = () => fail('provider_timeout', `The AI provider did not answer within ${config.timeoutMs} ms.`);
  let response: Response;
  try {
    response = await fetchImpl(`${config.apiBase}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${config.apiKey}`, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ model: config.model, messages: buildMessages(grounding), temperature: 0.2, max_tokens: 800, stream: false }),
      signal,
    });
  } catch (error: any) {
    if (signal.aborted || error?.name === 'TimeoutError' || error?.name === 'AbortError') throw timedOut();
    throw fail('provider_unavailable', 'The AI provider could not be reached.');
  }
  let body: string;
  try {
    // The same signal bounds reading the body.
    body = await response.text();
  } catch {
    if (signal.aborted) throw timedOut();
    throw fail('provider_unavailable', 'The AI provider closed the connection before answering.');
  }
  if (!response.ok) throw fail('provider_error', `The AI provider answered with HTTP status ${response.status}.`);
  let json: any;
  try {
    json = JSON.parse(body);
  } catch {
    throw fail('malformed_response', 'The AI provider did not answer with JSON.');
  }
  return parseMemo(json?.choices?.[0]?.message?.content);
}

/** Asks the provider for a memo; never throws for a provider problem, it falls back. */
export async function generateMemo(
  config: AdvisoryProviderConfig,
  grounding: AdvisoryGrounding,
  fetchImpl: typeof fetch = fetch,
): Promise<AdvisoryResult> {
  const fallback = (aiError: AiError): AdvisoryResult => ({
    provider: 'fallback',
    model: null,
    aiAvailable: false,
    aiError,
    summary: FALLBACK_SUMMARY,
    suggestions: [],
    risks: [],
  });
  if (!config.apiKey) {
    return fallback({ type: 'configuration_error', code: 'huggingface_not_configured', message: 'HUGGINGFACE_API_KEY is not set.' });
  }
  try {
    const memo = await askProvider({ ...config, apiKey: config.apiKey }, grounding, fetchImpl);
    return { provider: 'huggingface', model: config.model, aiAvailable: true, ...memo };
  } catch (error) {
    if (error instanceof ProviderFailure) return fallback(error.aiError);
    return fallback({ type: 'upstream_error', code: 'provider_error', message: 'The AI provider call failed.' });
  }
}
