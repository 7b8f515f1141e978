import type { ServerResponse } from 'node:http';
import type { FormField } from './fields.js';

/**
 * The connect page's HTML: served by toolwire itself, no external resource (no script at all), labelled
 * inputs, readable at 360 px. A page never shows a value the person typed: a refused form comes back empty.
 * The link carries the ticket, so nothing is cached or framed, and no other site gets it as a referrer
 * (`same-origin`, not `no-referrer`: with that, browsers post the form with `Origin: null`, which the
 * cross-site check refuses).
 */

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const STYLE = `*{box-sizing:border-box}body{font:16px/1.5 system-ui,sans-serif;margin:0;padding:1rem;color:#1b1b1b;background:#f6f6f6}
main{max-width:32rem;margin:0 auto;background:#fff;padding:1.25rem;border-radius:8px;border:1px solid #ddd}
h1{font-size:1.3rem;margin:0 0 .75rem}label{display:block;font-weight:600;margin-top:1rem}
input{display:block;width:100%;font:inherit;padding:.6rem;margin-top:.25rem;border:1px solid #888;border-radius:4px}
.hint{display:block;font-weight:400;color:#555;font-size:.9rem}.problem{background:#fdecea;border:1px solid #e0a9a4;padding:.75rem;border-radius:4px}
button{margin-top:1.25rem;width:100%;font:inherit;padding:.7rem;border:0;border-radius:4px;background:#1f5fbf;color:#fff;cursor:pointer}
code{overflow-wrap:anywhere}`;

const HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'referrer-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
};

function htmlDocument(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)} · toolwire</title><style>${STYLE}</style></head><body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;
}

/** Writes a page: `paragraphs` are plain text (escaped here). */
export function sendPage(res: ServerResponse, status: number, title: string, paragraphs: string[], extraHeaders: Record<string, string> = {}): void {
  sendHtml(res, status, htmlDocument(title, paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('')), extraHeaders);
}

function sendHtml(res: ServerResponse, status: number, html: string, extraHeaders: Record<string, string> = {}): void {
  res.writeHead(status, { ...HEADERS, 'content-length': Buffer.byteLength(html), ...extraHeaders });
  res.end(html);
}

export interface FormPage {
  providerName: string;
  providerCode: string;
  clientName: string;
  fields: FormField[];
  /** What went wrong with the last post, naming the field (never its value). */
  problems?: string[] | undefined;
  /** The button's words. */
  submit: string;
  /** Said before the fields. */
  intro: string;
}

/** The form: the identity's token first, then the provider's fields; it posts back to this same URL. */
export function sendForm(res: ServerResponse, status: number, page: FormPage): void {
  const problems = page.problems?.length
    ? `<div class="problem" role="alert"><p>Nothing was stored:</p><ul>${page.problems.map((p) => `<li>${escapeHtml(p)}</li>`).join('')}</ul></div>`
    : '';
  const input = (id: string, name: string, label: string, hint: string) =>
    `<label for="${id}">${escapeHtml(label)}<span class="hint" id="${id}-hint">${escapeHtml(hint)}</span></label><input id="${id}" name="${escapeHtml(name)}" type="password" autocomplete="off" spellcheck="false" required aria-describedby="${id}-hint">`;
  const fields = [
    input('f-token', 'token', `Token of client "${page.clientName}"`, 'The bearer token your agent uses with toolwire: it proves this link is yours.'),
    ...page.fields.map((f, i) => input(`f-${i}`, f.name, f.label, f.hint)),
  ].join('');
  const body = `<p>${escapeHtml(page.intro)}</p>${problems}<form method="post" action="">${fields}<button type="submit">${escapeHtml(page.submit)}</button></form>`;
  sendHtml(res, status, htmlDocument(`Connect ${page.providerName} (${page.providerCode})`, body));
}

/** 303 to where the person signs in (an OAuth 2 provider's authorization endpoint). */
export function sendRedirect(res: ServerResponse, location: string): void {
  res.writeHead(303, { location, 'cache-control': 'no-store', 'referrer-policy': 'same-origin', 'content-length': 0 });
  res.end();
}
