import { describe, expect, it } from 'vitest';
import { childTraceparent, readTraceContext } from '../src/core/trace-context.js';

describe('trace context', () => {
  const parent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

  it('makes a child with the same trace id and flags and a new span id each time', () => {
    const a = childTraceparent(parent);
    const b = childTraceparent(parent);
    expect(a).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
    expect(a).not.toBe(b);
    expect(a.split('-')[2]).not.toBe('00f067aa0ba902b7');
  });

  it.each([
    ['an all-zero trace id', '00-00000000000000000000000000000000-00f067aa0ba902b7-01'],
    ['an all-zero span id', '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01'],
    ['upper-case hex', '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01'],
    ['another version', '01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
    ['a header injection', `${parent}\r\nX-Evil: 1`],
    ['a number', 42],
  ])('drops %s', (_label, value) => {
    expect(readTraceContext(value, 'a=b')).toBeUndefined();
  });

  it('keeps a printable tracestate beside a valid traceparent, and drops an unprintable one', () => {
    expect(readTraceContext(parent, 'rojo=00f067aa0ba902b7')).toEqual({ traceparent: parent, tracestate: 'rojo=00f067aa0ba902b7' });
    expect(readTraceContext(parent, 'a=b\r\nX-Evil: 1')).toEqual({ traceparent: parent });
  });
});
