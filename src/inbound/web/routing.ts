import type { RequestContext } from './context.js';
import type { Reply } from './reply.js';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
export type Handler<Deps> = (ctx: RequestContext<Deps>) => Reply | Promise<Reply>;

/** One path pattern (`/providers/:id`) and its handler per method. */
export interface Route<Deps> {
  pattern: string;
  methods: Partial<Record<Method, Handler<Deps>>>;
}

export interface Match<Deps> {
  route: Route<Deps>;
  params: Record<string, string>;
}

function segments(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

/** The first route whose pattern fits the path; literal routes are listed before parameter routes. */
export function matchRoute<Deps>(routes: readonly Route<Deps>[], path: string): Match<Deps> | null {
  const parts = segments(path);
  for (const route of routes) {
    const pattern = segments(route.pattern);
    if (pattern.length !== parts.length) continue;
    const params: Record<string, string> = {};
    const fits = pattern.every((p, i) => {
      const part = parts[i] as string;
      if (p.startsWith(':')) {
        params[p.slice(1)] = part;
        return true;
      }
      return p === part;
    });
    if (fits) return { route, params };
  }
  return null;
}

export function allowedMethods<Deps>(route: Route<Deps>): string {
  return Object.keys(route.methods).join(', ');
}
