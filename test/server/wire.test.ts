// The browser-mode wire codec (shared/api/wire.ts): what structured clone would keep across
// Electron's IPC (bytes, dates) survives JSON too, nothing a caller sends can be mistaken for a
// tag, and what JSON would silently change is refused. Run with Node's Buffer and without it
// (as in the renderer).
import { randomBytes } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import * as nodeWire from '../../shared/api/wire.ts';

async function portableWire(): Promise<typeof nodeWire> {
  vi.resetModules();
  const saved = globalThis.Buffer;
  (globalThis as { Buffer?: unknown }).Buffer = undefined;
  try {
    await import('../../shared/api/base64.ts');
    return await import('../../shared/api/wire.ts');
  } finally {
    globalThis.Buffer = saved;
  }
}

describe.each([
  ['with Buffer (the server)', async () => nodeWire],
  ['without Buffer (the renderer)', portableWire],
])('wire codec %s', (_where, load) => {
  it('round-trips bytes, dates, nested data and keys that start with $', async () => {
    const wire = await load();
    const bytes = new Uint8Array(randomBytes(1000));
    const value = {
      Plaintext: bytes,
      Empty: new Uint8Array(0),
      When: new Date('2026-11-23T12:00:00.123Z'),
      Nested: [{ $bytes: 'mine', $$: 'x', $: 1, plain: [true, null, 1.5, 'text'] }],
    };
    const text = wire.stringifyMessage({ id: 1, op: 'Encrypt', input: value });
    const back = wire.parseMessage(text) as { input: typeof value };
    expect(back.input.Plaintext).toEqual(bytes);
    expect(Object.getPrototypeOf(back.input.Plaintext)).toBe(Uint8Array.prototype);
    expect(back.input.Empty).toEqual(new Uint8Array(0));
    expect(back.input.When).toEqual(value.When);
    expect(back.input.Nested).toEqual(value.Nested);
  });

  it('drops undefined members (as an absent optional) and keeps __proto__ as data', async () => {
    const wire = await load();
    expect(wire.decodeWire(JSON.parse(JSON.stringify(wire.encodeWire({ a: undefined, b: 1 }))))).toEqual({ b: 1 });
    const decoded = wire.decodeWire(JSON.parse('{"__proto__": {"polluted": true}}')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(decoded)).toEqual(['__proto__']);
  });

  it.each([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a bigint', 1n],
    ['a function', () => 1],
    ['a Map', new Map()],
    ['a class instance', new (class Thing {})()],
    ['an invalid Date', new Date(Number.NaN)],
    ['undefined in an array', [1, undefined]],
  ])('refuses %s', async (_what, bad) => {
    const wire = await load();
    expect(() => wire.encodeWire({ x: bad })).toThrow(wire.WireError);
  });

  it('refuses a cycle and a hostile nest', async () => {
    const wire = await load();
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(() => wire.encodeWire(cycle)).toThrow(/nested more than/);
    expect(() => wire.parseMessage('['.repeat(100) + ']'.repeat(100))).toThrow(/nested more than/);
  });

  it.each([
    ['bad base64', '{"$bytes":"***"}'],
    ['unpadded base64', '{"$bytes":"AQ"}'],
    ['non-canonical base64', '{"$bytes":"AB=="}'],
    ['a number in $bytes', '{"$bytes":1}'],
    ['a tag with company', '{"$bytes":"AQ==","x":1}'],
    ['an unknown tag', '{"$regexp":"x"}'],
    ['a loose date', '{"$date":"November 23, 2026"}'],
    ['an impossible date', '{"$date":"2026-13-45T99:00:00.000Z"}'],
    ['not JSON', '{'],
  ])('refuses %s when decoding', async (_what, text) => {
    const wire = await load();
    expect(() => wire.parseMessage(text)).toThrow(wire.WireError);
  });

  it('frames chunks: request id, upload id, bytes', async () => {
    const wire = await load();
    const header = wire.chunkHeader(0xfffffffe, 'u-0123456789abcdef');
    expect(header.length).toBe(wire.CHUNK_HEADER_BYTES);
    const frame = new Uint8Array(header.length + 3);
    frame.set(header);
    frame.set([7, 8, 9], header.length);
    const parsed = wire.parseChunk(frame);
    expect(parsed?.id).toBe(0xfffffffe);
    expect(parsed?.uploadId).toBe('u-0123456789abcdef');
    expect([...(parsed?.data ?? [])]).toEqual([7, 8, 9]);
    expect(wire.parseChunk(frame.subarray(0, 10))).toBeNull();
    expect(() => wire.chunkHeader(-1, 'u-0123456789abcdef')).toThrow(wire.WireError);
    expect(() => wire.chunkHeader(1, 'u-../../etc/passwd')).toThrow(wire.WireError);
  });
});
