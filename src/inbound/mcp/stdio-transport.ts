import { parseJSONRPCMessage, type JSONRPCMessage, type Transport } from '@modelcontextprotocol/server';
import type { Registry } from '../../registry/registry.js';
import { CallsInFlight } from './calls-in-flight.js';
import { answerToolCall, asToolCall } from './fast-call.js';

/** The SDK's stdio limit: a single message over 10 MB is refused (paginate instead). */
const MAX_LINE_BYTES = 10 * 1024 * 1024;

/**
 * Newline-delimited JSON-RPC over stdin/stdout, like the SDK's StdioServerTransport, with the
 * tools/call fast path in front: those requests are answered from the registry directly, and a
 * `notifications/cancelled` for one of them aborts its upstream request; every other message is
 * validated with the SDK's schema and handed to the SDK server (`serveStdio`, either revision).
 * Answers written in the same tick go out in one write (cork), which matters under load.
 */
export class FastStdioTransport implements Transport {
  onmessage?: (message: JSONRPCMessage) => void;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  private buffer: Buffer | null = null;
  private corked = false;
  private readonly calls = new CallsInFlight();

  constructor(
    private readonly registry: Registry,
    private readonly stdin: NodeJS.ReadableStream = process.stdin,
    private readonly stdout: NodeJS.WritableStream & { cork(): void; uncork(): void } = process.stdout,
    /** TOOLWIRE_FAST_PATH: false hands every message to the SDK. */
    private readonly fastPath = true,
  ) {}

  private readonly onData = (chunk: Buffer) => {
    this.buffer = this.buffer ? Buffer.concat([this.buffer, chunk]) : chunk;
    if (this.buffer.length > MAX_LINE_BYTES && this.buffer.indexOf(10) === -1) {
      this.buffer = null;
      this.onerror?.(new Error(`A message over ${MAX_LINE_BYTES} bytes was refused.`));
      return;
    }
    let newline: number;
    while (this.buffer && (newline = this.buffer.indexOf(10)) !== -1) {
      const line = this.buffer.toString('utf8', 0, newline).replace(/\r$/, '');
      this.buffer = newline + 1 < this.buffer.length ? this.buffer.subarray(newline + 1) : null;
      if (line.trim() !== '') this.receive(line);
    }
  };

  private readonly onError = (error: Error) => this.onerror?.(error);

  private receive(line: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (error) {
      this.onerror?.(error as Error);
      return;
    }
    const call = this.fastPath ? asToolCall(parsed) : null;
    if (call) {
      const signal = this.calls.start(call.id);
      // No caller and no connect links: stdio is the owner, and a missing credential stays a plain isError.
      void answerToolCall(this.registry.current(), call, { signal }).then((answer) => {
        this.calls.end(call.id, signal);
        // A cancelled request gets no answer (the client stopped waiting for it).
        if (!signal.aborted && answer) void this.send(answer);
      });
      return;
    }
    // Cancels of fast-path calls stop here; the SDK also gets them, for the calls it runs itself.
    this.calls.cancelFrom(parsed);
    let message: JSONRPCMessage;
    try {
      message = parseJSONRPCMessage(parsed);
    } catch (error) {
      this.onerror?.(new Error(`Invalid JSON-RPC message: ${(error as Error).message}`));
      return;
    }
    this.onmessage?.(message);
  }

  async start(): Promise<void> {
    this.stdin.on('data', this.onData);
    this.stdin.on('error', this.onError);
  }

  send(message: JSONRPCMessage): Promise<void> {
    if (!this.corked) {
      this.corked = true;
      this.stdout.cork();
      process.nextTick(() => {
        this.corked = false;
        this.stdout.uncork();
      });
    }
    this.stdout.write(`${JSON.stringify(message)}\n`);
    return Promise.resolve();
  }

  async close(): Promise<void> {
    this.stdin.off('data', this.onData);
    this.stdin.off('error', this.onError);
    this.buffer = null;
    this.calls.abortAll();
    this.onclose?.();
  }
}
