import { ModelCallError } from '../../../core/errors.js';
import { parseRetryAfter, redact, toModelCallError } from '../map-error.js';
import type { FetchLike } from './types.js';

/** A JSON/text HTTP call to a batch endpoint with typed, secret-free errors. */
export async function callApi(
  fetchFn: FetchLike,
  url: string,
  init: RequestInit,
  where: string,
  secrets: string[],
): Promise<Response> {
  let response: Response;
  try {
    response = await fetchFn(url, init);
  } catch (error) {
    throw toModelCallError(error, where, secrets, init.signal ?? undefined);
  }
  if (response.ok) return response;
  const text = await response.text().catch(() => '');
  let message = text.slice(0, 500);
  try {
    const body = JSON.parse(text) as { error?: { message?: string } };
    message = body.error?.message ?? message;
  } catch {
    // not JSON: keep the raw text
  }
  const headers: Record<string, string> = {};
  response.headers.forEach((v, k) => (headers[k] = v));
  throw new ModelCallError(redact(`${where}: HTTP ${response.status}: ${message}`, secrets), {
    status: response.status,
    retryAfterMs: parseRetryAfter(headers, Date.now()),
  });
}

export async function readJson<T>(response: Response, where: string): Promise<T> {
  try {
    return (await response.json()) as T;
  } catch (error) {
    throw new ModelCallError(`${where}: the response is not JSON`, { isRetryable: true, cause: error });
  }
}

/** Non-empty lines of a JSONL body, parsed; a broken line is skipped (its item then has no result). */
export function parseJsonl(text: string): unknown[] {
  const out: unknown[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line));
    } catch {
      // skipped: reported as a missing result
    }
  }
  return out;
}
