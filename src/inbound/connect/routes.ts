import type { IncomingMessage, ServerResponse } from 'node:http';
import { ToolwireError } from '../../core/errors.js';
import type { Provider } from '../../core/model.js';
import type { ConnectDeps } from './deps.js';
import { type ConnectForm, connectForm, type FormField } from './fields.js';
import { sendForm, sendPage, sendRedirect } from './page.js';
import type { Ticket } from './tickets.js';

/**
 * `GET /connect/{ticket}` and `POST /connect/{ticket}` (SPEC §11): the page where a person proves the
 * identity a link was made for and gives that identity's own credential for one provider. A wrong or
 * unknown token: 403, nothing stored (the ticket stays usable, up to a few tries). A used, expired or
 * dead ticket (its client or provider removed): 410. Bad input: 400 naming the field, nothing stored, the
 * ticket still usable. Success: stored through the catalog, the ticket used up, a page saying to retry.
 * The host and the POST's Origin are checked by the HTTP server before this (a cross-site post is 403).
 */

/** A form body is a token and a few secrets: anything larger is not one. */
const MAX_FORM_BYTES = 64 * 1024;

const GONE_TITLE = 'This link no longer works';
const GONE = [
  'The link was already used, has expired (links work for 10 minutes), or the client or provider it was made for was removed.',
  'Call the tool again from your agent: it answers with a new link.',
];

/** A pending ticket, its identity still there and its provider still known; otherwise the 410 page was sent. */
async function liveTicket(deps: ConnectDeps, res: ServerResponse, ticket: string): Promise<{ ticket: Ticket; provider: Provider } | null> {
  const found = await deps.tickets.find(ticket);
  if (!found.ok) {
    sendPage(res, 410, GONE_TITLE, GONE);
    return null;
  }
  const provider = await deps.provider(found.ticket.providerId);
  if (!(await deps.clientExists(found.ticket.clientName, found.ticket.clientCreatedAt)) || !provider || provider.code !== found.ticket.providerCode) {
    await deps.tickets.drop(ticket);
    sendPage(res, 410, GONE_TITLE, GONE);
    return null;
  }
  return { ticket: found.ticket, provider };
}

function showForm(res: ServerResponse, status: number, ticket: Ticket, provider: Provider, form: ConnectForm, problems?: string[]): void {
  if (form.kind === 'unsupported') {
    sendPage(res, 409, `Connect ${provider.name} (${provider.code})`, [
      `This provider cannot be connected from this page: ${form.reason}.`,
      'Ask the person who runs toolwire to set your credential with `toolwire credential set`.',
    ]);
    return;
  }
  const oauth = form.kind === 'oauth2';
  sendForm(res, status, {
    providerName: provider.name,
    providerCode: provider.code,
    clientName: ticket.clientName,
    fields: oauth ? [] : form.fields,
    problems,
    intro: oauth
      ? `Your agent (client "${ticket.clientName}") needs your own ${provider.name} account. Prove it is you, then sign in to ${provider.name}.`
      : `Your agent (client "${ticket.clientName}") needs your own credential for ${provider.name}. It is stored encrypted, used only for your calls to ${provider.name}, and never shown again.`,
    submit: oauth ? `Continue to ${provider.name}` : 'Save and connect',
  });
}

export async function handleConnect(req: IncomingMessage, res: ServerResponse, ticket: string, deps: ConnectDeps): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'POST') {
    sendPage(res, 405, 'Method not allowed', ['This page answers GET (the form) and POST (the form sent back).'], { allow: 'GET, POST' });
    return;
  }
  if (req.method === 'GET') {
    const live = await liveTicket(deps, res, ticket);
    if (live) showForm(res, 200, live.ticket, live.provider, connectForm(live.provider));
    return;
  }
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    req.resume();
    sendPage(res, 415, 'Unsupported form', ['Send the form as application/x-www-form-urlencoded (the page does).']);
    return;
  }
  const body = await readForm(req);
  if (body === null) {
    sendPage(res, 413, 'Form too large', [`The form is larger than ${MAX_FORM_BYTES / 1024} KB; it holds a token and a few secrets.`]);
    return;
  }
  const live = await liveTicket(deps, res, ticket);
  if (!live) return;
  const { provider } = live;
  const form = connectForm(provider);
  const identity = await deps.identify(body.get('token')?.trim() ?? '', req);
  if (!identity || identity.name !== live.ticket.clientName || identity.createdAt !== live.ticket.clientCreatedAt) {
    await deps.tickets.fail(ticket);
    deps.log.warn(`connect: a wrong token was presented for a link of client "${live.ticket.clientName}" (provider ${provider.code}); nothing stored`);
    sendPage(res, 403, 'Not your link', [
      `This link was made for client "${live.ticket.clientName}", and the token given is not that client's, so nothing was stored.`,
      'Open the link your own agent gave you, and enter the token that agent uses with toolwire.',
    ]);
    return;
  }
  if (form.kind === 'unsupported') return showForm(res, 409, live.ticket, provider, form);
  if (form.kind === 'oauth2') {
    if (!deps.authorizationUrl) {
      sendPage(res, 501, `Connect ${provider.name} (${provider.code})`, [
        `${provider.name} signs in with OAuth 2, and this toolwire cannot start that sign-in from here.`,
        'Ask the person who runs toolwire to connect it for you.',
      ]);
      return;
    }
    let location: string;
    try {
      location = await deps.authorizationUrl(provider, identity.name);
    } catch (err) {
      deps.log.warn(`connect: could not start the OAuth 2 sign-in for provider ${provider.code}: ${(err as Error).message}`);
      sendPage(res, 502, `Connect ${provider.name} (${provider.code})`, [
        `The sign-in with ${provider.name} could not be started; the server log says why. The link still works: try again in a moment.`,
      ]);
      return;
    }
    await deps.tickets.use(ticket);
    sendRedirect(res, location);
    return;
  }
  const gathered = gather(form.fields, body);
  if ('problems' in gathered) return showForm(res, 400, live.ticket, provider, form, gathered.problems);
  try {
    await deps.setCredential(identity.name, provider.code, gathered.credential);
  } catch (err) {
    if (err instanceof ToolwireError && err.code === 'INVALID_INPUT') {
      const problems = err.issues.length > 0 ? err.issues.map((i) => `${i.field} ${i.message}.`) : [err.message];
      return showForm(res, 400, live.ticket, provider, form, problems);
    }
    if (err instanceof ToolwireError && err.code === 'NOT_FOUND') {
      await deps.tickets.drop(ticket);
      return sendPage(res, 410, GONE_TITLE, GONE);
    }
    throw err;
  }
  await deps.tickets.use(ticket);
  deps.log.info(`connect: client "${identity.name}" set its own credential for provider ${provider.code}`);
  sendPage(res, 200, `${provider.name} is connected`, [
    `Your credential for ${provider.name} is stored for client "${identity.name}".`,
    'Go back to your agent and retry the call (an agent that opened this page for you retries it by itself).',
  ]);
}

/** The credential the form gives, or what is missing (by field name, never by value). */
function gather(fields: FormField[], body: URLSearchParams): { credential: Record<string, unknown> } | { problems: string[] } {
  const problems: string[] = [];
  const credential: Record<string, unknown> = {};
  const payload: Record<string, string> = {};
  for (const field of fields) {
    // A payload key may also come under its own name (SPEC §11 "by name"), unless that name is the token's.
    const { target } = field;
    const value = body.get(field.name) ?? (target.field === 'dynamicAuthPayload' && target.key !== 'token' ? body.get(target.key) : null);
    if (value === null || value.trim() === '') {
      problems.push(`${field.name} (${field.label}) is required: enter it.`);
      continue;
    }
    if (target.field === 'dynamicAuthPayload') payload[target.key] = value;
    else credential[target.field] = value;
  }
  if (Object.keys(payload).length > 0) credential.dynamicAuthPayload = payload;
  return problems.length > 0 ? { problems } : { credential };
}

function readForm(req: IncomingMessage): Promise<URLSearchParams | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_FORM_BYTES) over = true;
      else chunks.push(chunk);
    });
    req.once('error', reject);
    req.once('end', () => resolve(over ? null : new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
  });
}
