import { isJsonObject } from '../../core/json.js';

/**
 * The fast-path calls of one connection still running, so a `notifications/cancelled` (or the
 * connection ending) aborts their upstream request: the user pressed Stop, and a POST they stopped
 * must not complete later. The SDK does the same for the requests it dispatches itself.
 */
export class CallsInFlight {
  private readonly running = new Map<string | number, AbortController>();

  start(id: string | number): AbortSignal {
    const controller = new AbortController();
    this.running.set(id, controller);
    return controller.signal;
  }

  /** Forgets the call started with `signal` (a later call reusing the id keeps its own). */
  end(id: string | number, signal: AbortSignal): void {
    if (this.running.get(id)?.signal === signal) this.running.delete(id);
  }

  abort(id: string | number, reason: Error): void {
    const controller = this.running.get(id);
    this.running.delete(id);
    controller?.abort(reason);
  }

  /** Aborts the call a `notifications/cancelled` message names, if it is one of ours. */
  cancelFrom(message: unknown): boolean {
    if (!isJsonObject(message) || message.method !== 'notifications/cancelled' || !isJsonObject(message.params)) return false;
    const id = message.params.requestId;
    if (typeof id !== 'string' && typeof id !== 'number') return false;
    if (!this.running.has(id)) return false;
    const reason = message.params.reason;
    this.abort(id, new Error(typeof reason === 'string' && reason !== '' ? `cancelled by the client: ${reason}` : 'cancelled by the client'));
    return true;
  }

  abortAll(): void {
    for (const controller of this.running.values()) controller.abort(new Error('the connection closed'));
    this.running.clear();
  }
}
