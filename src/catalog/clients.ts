import { z } from 'zod';
import { ToolwireError } from '../core/errors.js';
import { createHash } from 'node:crypto';
import { type ClientIdentity, OWNER_NAME, type Scope } from '../core/identity.js';
import type { Store } from '../store/index.js';
import { CLIENT_TOKEN_PREFIX, hashClientToken, mintClientToken } from './client-tokens.js';
import { invalid, parseOrThrow } from './issues.js';
import type { Write } from './vaults.js';
import { mergeRateLimit, rateLimitSchema } from './schemas.js';

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;
/** A tool glob: the characters of a tool code, `*` and `?`; the empty glob (NO_TOOL_GLOB) matches no tool. */
const TOOL_GLOB = /^[A-Za-z0-9_.*?-]{0,200}$/;

const providersSchema = z.array(z.string({ error: 'must be a provider code' }), { error: 'must be a list of provider codes' });
const toolsSchema = z.array(
  z.string().regex(TOOL_GLOB, { error: 'must be a tool code or a glob of one (A-Z, a-z, 0-9, "_", ".", "-", "*" and "?"), or "" for no tool' }),
  { error: 'must be a list of tool-code globs' },
);
const adminSchema = z.boolean({ error: 'must be true or false' });

/** A change to an identity: each field given replaces it (a list `[]` is every provider or tool; `{"perMinute": 0}` no rate limit). */
const clientChangeSchema = z.strictObject({
  providers: providersSchema.optional(),
  tools: toolsSchema.optional(),
  admin: adminSchema.optional(),
  rateLimit: rateLimitSchema.optional(),
});

/** What `client update` may change. */
export type ClientChange = z.input<typeof clientChangeSchema>;

const clientInputSchema = z.strictObject({
  name: z.string({ error: 'is required: the name of the identity (1-64 of A-Z, a-z, 0-9, "_", "." and "-")' }).regex(NAME, {
    error: (issue) => `must be 1-64 of A-Z, a-z, 0-9, "_", "." and "-" (got ${JSON.stringify(String(issue.input).slice(0, 64))})`,
  }),
  providers: providersSchema.optional(),
  tools: toolsSchema.optional(),
  admin: adminSchema.optional(),
  rateLimit: rateLimitSchema.nullish(),
});

/** A new identity: its name and scope. Lists left out or empty mean every provider, every tool. */
export type ClientInput = z.input<typeof clientInputSchema>;

/** An identity and its bearer token, which exists only in this answer: the database keeps its hash. */
export interface IssuedClient {
  client: ClientIdentity;
  token: string;
}

const unique = (list: readonly string[] | undefined): string[] => [...new Set(list ?? [])];

/**
 * Client identities (SPEC §11): each write one transaction, and the registry told (a scope decides what
 * an identity is served). Tokens are minted here, returned once and stored only as SHA-256 hashes.
 */
export class ClientCatalog {
  constructor(
    private readonly store: Store,
    private readonly write: Write,
  ) {}

  listClients(): Promise<ClientIdentity[]> {
    return this.store.clients.list();
  }

  /** Creates an identity; INVALID_INPUT for a bad name or an unknown provider, CONFLICT for a name taken. */
  addClient(raw: unknown): Promise<IssuedClient> {
    const input = parseOrThrow(clientInputSchema, raw, 'The client');
    if (input.name === OWNER_NAME) {
      throw invalid('The client', [{ field: 'name', message: `"${OWNER_NAME}" is reserved for the TOOLWIRE_TOKEN holder; choose another name` }]);
    }
    const providers = unique(input.providers?.map((code) => code.trim()));
    const tools = unique(input.tools);
    const token = mintClientToken();
    return this.write(
      async () => {
        await this.requireProviders(providers, 'The client');
        if (await this.store.clients.findByName(input.name)) {
          throw new ToolwireError(
            'CONFLICT',
            `A client named "${input.name}" already exists. Choose another name, or \`toolwire client rotate ${input.name}\` to give it a new token.`,
            [{ field: 'name', message: `"${input.name}" is already taken` }],
          );
        }
        const ratePerMinute = mergeRateLimit(input.rateLimit, null)?.perMinute ?? null;
        const client = await this.store.clients.insert({
          name: input.name,
          tokenHash: hashClientToken(token),
          providers,
          tools,
          admin: input.admin ?? false,
          ratePerMinute,
        });
        return { client, token };
      },
      (r) => ({ action: 'client.add', object: `client:${r.client.name}` }),
    );
  }

  /** Removes the identity (and, through ON DELETE CASCADE, everything kept for it); its token stops working at once. */
  removeClient(name: string): Promise<ClientIdentity> {
    return this.write(
      async () => {
        const existing = await this.requireClient(name);
        await this.store.clients.remove(name);
        return existing;
      },
      { action: 'client.remove', object: `client:${name}` },
    );
  }

  /**
   * Changes an identity's scope, admin right or rate limit (each field given replaces it; its token
   * stays); its open 2025-11-25 sessions end (a session belongs to the exact scope that opened it) and
   * its next request has the new scope.
   */
  updateClient(name: string, raw: unknown): Promise<ClientIdentity> {
    const change = parseOrThrow(clientChangeSchema, raw, `The change to client "${name.slice(0, 64)}"`);
    const perMinute = change.rateLimit === undefined ? undefined : (mergeRateLimit(change.rateLimit, null)?.perMinute ?? null);
    const detail = Object.keys(change)
      .map((field) => (field === 'rateLimit' ? `rateLimit: ${perMinute ?? 'none'}` : field))
      .join(', ');
    return this.write(
      async () => {
        const existing = await this.requireClient(name);
        const providers = change.providers === undefined ? existing.providers : unique(change.providers.map((code) => code.trim()));
        if (change.providers !== undefined) await this.requireProviders(providers, `The change to client "${existing.name}"`);
        const tools = change.tools === undefined ? existing.tools : unique(change.tools);
        await this.store.clients.update(existing.name, { providers, tools, admin: change.admin ?? existing.admin });
        if (perMinute !== undefined) await this.store.clients.setRate(existing.name, perMinute);
        return (await this.store.clients.findByName(existing.name)) as ClientIdentity;
      },
      { action: 'client.update', object: `client:${name}`, detail },
    );
  }

  /** A new token for the identity; the old one stops working at once. */
  rotateClient(name: string): Promise<IssuedClient> {
    const token = mintClientToken();
    return this.write(
      async () => {
        await this.requireClient(name);
        return { client: (await this.store.clients.rotate(name, hashClientToken(token))) as ClientIdentity, token };
      },
      { action: 'client.rotate', object: `client:${name}` },
    );
  }

  /**
   * The identity a verified JWT's `sub` stands for, made on first use with `scope` (SPEC §11,
   * TOOLWIRE_OAUTH_DEFAULT_SCOPE). Its name is the subject when that is a free client name, else
   * `oauth-` and 12 hex digits of the subject's hash — never a token client's name, so a subject that
   * happens to spell one gets none of its rights. Its token is a hash of nothing anyone holds: it acts
   * only through JWTs (until `client rotate` gives it one).
   */
  async subjectClient(subject: string, scope: Scope): Promise<ClientIdentity> {
    const found = await this.store.clients.findBySubject(subject);
    if (found) return found;
    return this.write(
      async () => {
        const raced = await this.store.clients.findBySubject(subject);
        if (raced) return raced;
        const free = NAME.test(subject) && subject !== OWNER_NAME && !(await this.store.clients.findByName(subject));
        const name = free ? subject : `oauth-${createHash('sha256').update(subject).digest('hex').slice(0, 12)}`;
        const tokenHash = hashClientToken(mintClientToken());
        const [providers, tools] = [unique(scope.providers), unique(scope.tools)];
        return this.store.clients.insert({ name, tokenHash, providers, tools, admin: false, subject, ratePerMinute: null });
      },
      (client) => ({ action: 'client.add', object: `client:${client.name}`, detail: 'made on first use of a JWT subject' }),
    );
  }

  /** Every identity by the hash of its token (`hashClientToken`), for a lookup that reads no database per request. */
  tokenIndex(): Promise<Map<string, ClientIdentity>> {
    return this.store.clients.byTokenHash();
  }

  /** The identity a bearer token belongs to, or null: one hash and one index lookup, so current even across processes. */
  async findClientByToken(token: string): Promise<ClientIdentity | null> {
    if (!token.startsWith(CLIENT_TOKEN_PREFIX)) return null;
    return this.store.clients.findByTokenHash(hashClientToken(token));
  }

  /** INVALID_INPUT naming each scope entry whose provider does not exist. */
  private async requireProviders(providers: readonly string[], subject: string): Promise<void> {
    const unknown: Array<{ code: string; i: number }> = [];
    for (const [i, code] of providers.entries()) if (!(await this.store.providers.findByCode(code))) unknown.push({ code, i });
    if (unknown.length > 0) {
      throw invalid(
        subject,
        unknown.map(({ code, i }) => ({
          field: `providers[${i}]`,
          message: `names provider "${code.slice(0, 64)}", which does not exist; \`toolwire provider list\` (GET /admin/providers) shows the codes there are`,
        })),
      );
    }
  }

  private async requireClient(name: string): Promise<ClientIdentity> {
    const found = await this.store.clients.findByName(name);
    if (!found) {
      throw new ToolwireError(
        'NOT_FOUND',
        `No client named ${JSON.stringify(name.slice(0, 64))}. \`toolwire client list\` (GET /admin/clients) shows the clients there are.`,
      );
    }
    return found;
  }
}
