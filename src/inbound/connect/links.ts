import { OWNER_NAME } from '../../core/identity.js';
import type { ConnectLinks } from '../mcp/connect-answer.js';
import type { TicketBook } from './tickets.js';

/**
 * The MCP side's links to the connect page: a ticket minted per answer, bound to the caller. `base` is
 * TOOLWIRE_PUBLIC_URL when set, else the address the server listens on (read when a link is made, since
 * port 0 is known only after listen). The owner has no page to go to: its calls use the shared credential.
 */
export function createConnectLinks(tickets: TicketBook, base: () => string): ConnectLinks {
  return {
    async offer(need, caller) {
      const { identity } = caller;
      if (identity.name === OWNER_NAME || identity.name !== need.clientName || identity.createdAt === '') return null;
      const ticket = await tickets.mint(need, identity);
      return { url: `${base()}/connect/${ticket}`, used: (signal) => tickets.used(ticket, signal) };
    },
  };
}
