import { STATUS_CODES } from 'node:http';
import type { CallToolResult } from '@modelcontextprotocol/server';
import { bytesContainSecret, redactJsonText, redactText, type Redactor } from '../../core/redact.js';
import type { UpstreamResponse } from './send.js';
import { withJsonValue } from '../answers/json-value.js';

/** How much of a failed answer's body an agent sees: enough to act on, bounded for its context. */
const ERROR_EXCERPT_CHARS = 2000;

import { errorResult } from '../../core/tool-result.js';

function contentType(response: UpstreamResponse): string {
  const value = response.headers['content-type'];
  return (Array.isArray(value) ? value[0] : value)?.toLowerCase() ?? '';
}

function isJson(type: string): boolean {
  return type.includes('json');
}

/**
 * The upstream's answer as an MCP result: JSON as text plus structuredContent, images as images, text
 * as text. Every secret of the provider is masked first: a JSON answer in its parsed strings (the text
 * is rendered again from the masked value, so escaping cannot hide a secret and the text and
 * structuredContent agree); an image that holds a secret is withheld, since bytes cannot be masked.
 */
/** `label` names the request (`GET /api/items`) for the messages that need it; computed only then. */
export function mapResponse(response: UpstreamResponse, redact: Redactor, label: () => string): CallToolResult {
  const type = contentType(response);
  if (response.status < 200 || response.status >= 300) {
    const text = redactText(decodeText(response.body, type), redact);
    const excerpt = text.length > ERROR_EXCERPT_CHARS ? `${text.slice(0, ERROR_EXCERPT_CHARS)}… (${text.length - ERROR_EXCERPT_CHARS} more characters)` : text;
    const reason = STATUS_CODES[response.status] ?? '';
    return errorResult(`The API answered ${response.status}${reason ? ` ${reason}` : ''} to ${label()}.${excerpt ? `\n${excerpt}` : ''}`);
  }
  if (type.startsWith('image/')) {
    if (bytesContainSecret(response.body, redact)) {
      return errorResult(
        `The API answered ${label()} with ${response.body.length} bytes of ${type.split(';')[0]} that contain a credential of this provider (its API key, a custom header value or a dynamic token). The binary answer was withheld, since bytes cannot be masked.`,
      );
    }
    return { content: [{ type: 'image', data: response.body.toString('base64'), mimeType: type.split(';')[0] as string }] };
  }
  const raw = decodeText(response.body, type);
  if (isJson(type) || (type === '' && looksLikeJson(raw))) {
    const json = raw === '' ? null : redactJsonText(raw, redact);
    if (json === null) {
      const text = redactText(raw, redact);
      // An answer announced as JSON that does not parse (cut short, an HTML error page behind a proxy,
      // a streaming format): the agent gets the text as it came, and a note that it is not JSON.
      if (raw.trim() === '' || !announcesJson(type)) return { content: [{ type: 'text', text }] };
      return {
        content: [
          { type: 'text', text },
          { type: 'text', text: notJsonNote(type, label(), response.body.length) },
        ],
      };
    }
    const { text, value } = json;
    // The parsed value rides along (under a symbol) for projection and the answer budget (SPEC §14).
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      return withJsonValue({ content: [{ type: 'text', text }], structuredContent: value as Record<string, unknown> }, value);
    }
    return withJsonValue({ content: [{ type: 'text', text }] }, value);
  }
  if (type !== '' && !type.startsWith('text/') && !type.includes('xml') && !isPrintable(response.body)) {
    return {
      content: [{ type: 'text', text: `The API answered with ${response.body.length} bytes of ${type.split(';')[0]}, which cannot be shown as text.` }],
    };
  }
  return { content: [{ type: 'text', text: redactText(raw, redact) }] };
}

/**
 * The body as text in the charset it declares (or its byte-order mark says): a UTF-16 answer read as
 * UTF-8 interleaves every character with NUL bytes, and no form of an echoed secret would match.
 */
function decodeText(body: Buffer, type: string): string {
  const declared = /;\s*charset\s*=\s*"?([\w.:-]+)"?/i.exec(type)?.[1]?.toLowerCase();
  const bom = body[0] === 0xff && body[1] === 0xfe ? 'utf-16le' : body[0] === 0xfe && body[1] === 0xff ? 'utf-16be' : undefined;
  const charset = bom ?? declared;
  if (!charset || charset === 'utf-8' || charset === 'utf8' || charset === 'us-ascii') return body.toString('utf8');
  try {
    return new TextDecoder(charset).decode(body);
  } catch {
    return body.toString('utf8'); // an unknown charset: as UTF-8, as before
  }
}

/** application/json or a +json type (problem+json, vnd.api+json); not NDJSON or JSON sequences, which JSON.parse cannot read whole. */
function announcesJson(type: string): boolean {
  return /^application\/(?:[\w.-]+\+)?json\s*(?:;|$)/.test(type);
}

function notJsonNote(type: string, label: string, bytes: number): string {
  return `Note: the API answered ${label} with ${bytes} bytes announced as ${type.split(';')[0]} (its content-type), but they are not valid JSON, so they are shown above as text, without structured content. The answer may be cut short or in another format.`;
}

function looksLikeJson(text: string): boolean {
  const first = text.trimStart()[0];
  return first === '{' || first === '[';
}

function isPrintable(body: Buffer): boolean {
  const sample = body.subarray(0, 512);
  return !sample.includes(0);
}
