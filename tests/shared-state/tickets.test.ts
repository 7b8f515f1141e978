import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ClientIdentity } from '../../src/core/identity.js';
import { createTicketBook } from '../../src/inbound/connect/tickets.js';
import { createStore, type Store } from '../../src/store/index.js';
import { tempDir } from '../helpers/app.js';

/**
 * The 2025-11-25 waiter across instances (issue 16): a call on A waits on its ticket while the person uses
 * the link on B. Two ticket books over two stores on one database file, as two instances have.
 */
const path = join(tempDir(), 'toolwire.db');
const key = Buffer.alloc(32, 7);
const stores: Store[] = [];
afterAll(async () => {
  for (const store of stores) await store.close();
});

const identity = (name: string): ClientIdentity =>
  ({
    name,
    createdAt: '2026-01-01T00:00:00.000Z',
    admin: false,
    scope: null,
    subject: null,
    rateLimit: null,
  }) as unknown as ClientIdentity;
const need = { providerId: 1, providerCode: 'pu', clientName: 'alice' };

describe('connect tickets on two instances', () => {
  it('tells a call waiting on A that its ticket was used on B; a burnt or dropped ticket is gone on both', async () => {
    stores.push(await createStore(path, key), await createStore(path, key));
    const [a, b] = stores.map((store) => createTicketBook({ rows: store.shared.tickets, pollMs: 20 })) as [
      ReturnType<typeof createTicketBook>,
      ReturnType<typeof createTicketBook>,
    ];
    const ticket = await a.mint(need, identity('alice'));
    expect((await b.find(ticket)).ok).toBe(true);
    const waiting = a.used(ticket);
    await b.use(ticket);
    expect(await waiting).toBe(true);
    expect((await a.find(ticket)).ok).toBe(false);
    expect(await a.size()).toBe(0);

    const burnt = await b.mint(need, identity('alice'));
    for (let i = 0; i < 5; i++) await a.fail(burnt);
    expect((await b.find(burnt)).ok).toBe(false);
    const dropped = await a.mint(need, identity('alice'));
    const waitingOnDrop = b.used(dropped);
    await a.drop(dropped);
    expect(await waitingOnDrop).toBe(false);
  });
});
