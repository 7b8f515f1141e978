/** What a test sees of an HTTP answer: the status, headers, raw text and the JSON it parses to (if any). */
export interface JsonAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed JSON, typed loosely: tests read answers by path. */
  json: any;
}

/** Sends a request with an optional JSON (or raw string) body, as an API client would. */
export async function fetchJson(url: string, method: string, body?: unknown, headers: Record<string, string> = {}): Promise<JsonAnswer> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
  }
  const response = await fetch(url, init);
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}
