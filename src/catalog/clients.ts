import { z } from 'zod';
import { ToolwireError } from '../core/errors.js';
import { type ClientIdentity, OWNER_NAME } from '../core/identity.js';
import type { Store } from '../store/index.js';
import { CLIENT_TOKEN_PREFIX, hashClientToken, mintClientToken } from './client-tokens.js';
import { invalid, parseOrThrow } from './issues.js';
import type { Write } from './vaults.js';
import { mergeRateLimit, rateLimitSchema } from './schemas.js';

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;
/** A tool glob: the characters of a tool code, `*` and `?`. */
const TOOL_GLOB = /^[A-Za-z0-9_.*?-]{1,200}$/;

const clientInputSchema = z.strictObject({
  name: z.string({ error: 'is required: the name of the identity (1-64 of A-Z, a-z, 0-9, "_", "." and "-")' }).regex(NAME, {
    error: (issue) => `must be 1-64 of A-Z, a-z, 0-9, "_", "." and "-" (got ${JSON.stringify(String(issue.input).slice(0, 64))})`,
  }),
  providers: z.array(z.string({ error: 'must be a provider code' }), { error: 'must be a list of provider codes' }).optional(),
  tools: z
    .array(z.string().regex(TOOL_GLOB, { error: 'must be a tool code or a glob of one (A-Z, a-z, 0-9, "_", ".", "-", "*" and "?")' }), {
      error: 'must be a list of tool-code globs',
    })
    .optional(),
  admin: z.boolean({ error: 'must be true or false' }).optional(),
  rateLimit: rateLimitSchema.nullish(),
});

const clientUpdateSchema = z.strictObject({ rateLimit: rateLimitSchema });

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

  listClients(): ClientIdentity[] {
    return this.store.clients.list();
  }

  /** Creates an identity; INVALID_INPUT for a bad name or an unknown provider, CONFLICT for a name taken. */
  addClient(raw: unknown): IssuedClient {
    const input = parseOrThrow(clientInputSchema, raw, 'The client');
    if (input.name === OWNER_NAME) {
      throw invalid('The client', [{ field: 'name', message: `"${OWNER_NAME}" is reserved for the TOOLWIRE_TOKEN holder; choose another name` }]);
    }
    const providers = unique(input.providers?.map((code) => code.trim()));
    const tools = unique(input.tools);
    const token = mintClientToken();
    return this.write(
      () => {
        const unknown = providers.flatMap((code, i) => (this.store.providers.findByCode(code) ? [] : [{ code, i }]));
        if (unknown.length > 0) {
          throw invalid(
            'The client',
            unknown.map(({ code, i }) => ({
              field: `providers[${i}]`,
              message: `names provider "${code.slice(0, 64)}", which does not exist; \`toolwire provider list\` (GET /admin/providers) shows the codes there are`,
            })),
          );
        }
        if (this.store.clients.findByName(input.name)) {
          throw new ToolwireError(
            'CONFLICT',
            `A client named "${input.name}" already exists. Choose another name, or \`toolwire client rotate ${input.name}\` to give it a new token.`,
            [{ field: 'name', message: `"${input.name}" is already taken` }],
          );
        }
        const ratePerMinute = mergeRateLimit(input.rateLimit, null)?.perMinute ?? null;
        const client = this.store.clients.insert({
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
  removeClient(name: string): ClientIdentity {
    return this.write(
      () => {
        const existing = this.requireClient(name);
        this.store.clients.remove(name);
        return existing;
      },
      { action: 'client.remove', object: `client:${name}` },
    );
  }

  /** A new token for the identity; the old one stops working at once. */
  rotateClient(name: string): IssuedClient {
    const token = mintClientToken();
    return this.write(
      () => {
        this.requireClient(name);
        return { client: this.store.clients.rotate(name, hashClientToken(token)) as ClientIdentity, token };
      },
      { action: 'client.rotate', object: `client:${name}` },
    );
  }

  /** Changes an identity's rate limit (`{"rateLimit": {"perMinute": N}}`, 0 removes it); its token stays. */
  updateClient(name: string, raw: unknown): ClientIdentity {
    const input = parseOrThrow(clientUpdateSchema, raw, 'The client update');
    const perMinute = mergeRateLimit(input.rateLimit, null)?.perMinute ?? null;
    return this.write(
      () => {
        this.requireClient(name);
        return this.store.clients.setRate(name, perMinute) as ClientIdentity;
      },
      { action: 'client.update', object: `client:${name}`, detail: `rateLimit: ${perMinute ?? 'none'}` },
    );
  }

  /** Every identity by the hash of its token (`hashClientToken`), for a lookup that reads no database per request. */
  tokenIndex(): Map<string, ClientIdentity> {
    return this.store.clients.byTokenHash();
  }

  /** The identity a bearer token belongs to, or null: one hash and one index lookup, so current even across processes. */
  findClientByToken(token: string): ClientIdentity | null {
    if (!token.startsWith(CLIENT_TOKEN_PREFIX)) return null;
    return this.store.clients.findByTokenHash(hashClientToken(token));
  }

  private requireClient(name: string): ClientIdentity {
    const found = this.store.clients.findByName(name);
    if (!found) {
      throw new ToolwireError(
        'NOT_FOUND',
        `No client named ${JSON.stringify(name.slice(0, 64))}. \`toolwire client list\` (GET /admin/clients) shows the clients there are.`,
      );
    }
    return found;
  }
}
