import { STATUS_CODES } from 'node:http';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Redactor } from '../redact.js';
import type { UpstreamResponse } from './send.js';

/** How much of a failed answer's body an agent sees: enough to act on, bounded for its context. */
const ERROR_EXCERPT_CHARS = 2000;

export function errorResult(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], isError: true };
}

function contentType(response: UpstreamResponse): string {
  const value = response.headers['content-type'];
  return (Array.isArray(value) ? value[0] : value)?.toLowerCase() ?? '';
}

function isJson(type: string): boolean {
  return type.includes('json');
}

/** The upstream's answer as an MCP result: JSON as text plus structuredContent, images as images, text as text. */
export function mapResponse(response: UpstreamResponse, redact: Redactor, label: string): CallToolResult {
  const type = contentType(response);
  if (response.status < 200 || response.status >= 300) {
    const text = redact(response.body.toString('utf8'));
    const excerpt = text.length > ERROR_EXCERPT_CHARS ? `${text.slice(0, ERROR_EXCERPT_CHARS)}… (${text.length - ERROR_EXCERPT_CHARS} more characters)` : text;
    const reason = STATUS_CODES[response.status] ?? '';
    return errorResult(`The API answered ${response.status}${reason ? ` ${reason}` : ''} to ${label}.${excerpt ? `\n${excerpt}` : ''}`);
  }
  if (type.startsWith('image/')) {
    return { content: [{ type: 'image', data: response.body.toString('base64'), mimeType: type.split(';')[0] as string }] };
  }
  const text = redact(response.body.toString('utf8'));
  if (isJson(type) || (type === '' && looksLikeJson(text))) {
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      return { content: [{ type: 'text', text }] };
    }
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
      return { content: [{ type: 'text', text }], structuredContent: parsed as Record<string, unknown> };
    }
    return { content: [{ type: 'text', text }] };
  }
  if (type !== '' && !type.startsWith('text/') && !type.includes('xml') && !isPrintable(response.body)) {
    return { content: [{ type: 'text', text: `The API answered with ${response.body.length} bytes of ${type.split(';')[0]}, which cannot be shown as text.` }] };
  }
  return { content: [{ type: 'text', text }] };
}

function looksLikeJson(text: string): boolean {
  const first = text.trimStart()[0];
  return first === '{' || first === '[';
}

function isPrintable(body: Buffer): boolean {
  const sample = body.subarray(0, 512);
  return !sample.includes(0);
}
