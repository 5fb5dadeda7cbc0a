// Formatting: countdowns, sizes, dates from any transport, datetime-local values, percentages.

import { describe, expect, it } from 'vitest';
import { formatBytes, formatCountdown, fromLocalInput, percent, toBytes, toDate, toLocalInput } from '../../renderer/src/lib/format.ts';
import { derToPem, safeFileName } from '../../renderer/src/lib/download.ts';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('countdown', () => {
  it('says the time left in words, largest unit first', () => {
    expect(formatCountdown(7 * D - S)).toBe('6 days 23 hours 59 minutes 59 seconds');
    expect(formatCountdown(D)).toBe('1 day 0 hours 0 minutes 0 seconds');
    expect(formatCountdown(H + 1 * S)).toBe('1 hour 0 minutes 1 second');
    expect(formatCountdown(61 * S)).toBe('1 minute 1 second');
    expect(formatCountdown(999)).toBe('0 seconds');
    expect(formatCountdown(30 * D + 5 * H + 3 * M, true)).toBe('30 days 5 hours');
  });

  it('is "now" at or after the moment', () => {
    expect(formatCountdown(0)).toBe('now');
    expect(formatCountdown(-5000)).toBe('now');
    expect(formatCountdown(Number.NaN)).toBe('now');
  });
});

describe('sizes and percentages', () => {
  it('formats bytes in binary units', () => {
    expect(formatBytes(0)).toBe('0 bytes');
    expect(formatBytes(1)).toBe('1 byte');
    expect(formatBytes(1023)).toBe('1023 bytes');
    expect(formatBytes(1024)).toBe('1.0 KB');
    expect(formatBytes(1536 * 1024)).toBe('1.5 MB');
    expect(formatBytes(300 * 1024 ** 3)).toBe('300 GB');
    expect(formatBytes(-1)).toBe('—');
  });

  it('gives whole percentages within 0–100', () => {
    expect(percent(0, 200)).toBe(0);
    expect(percent(50, 200)).toBe(25);
    expect(percent(300, 200)).toBe(100);
    expect(percent(0, 0)).toBe(100);
  });
});

describe('dates and bytes from any transport', () => {
  it('reads Date, epoch seconds and ISO text', () => {
    const d = new Date('2026-11-23T11:00:00Z');
    expect(toDate(d)).toBe(d);
    expect(toDate(d.getTime() / 1000)?.toISOString()).toBe(d.toISOString());
    expect(toDate('2026-11-23T11:00:00Z')?.toISOString()).toBe(d.toISOString());
    expect(toDate('nonsense')).toBeNull();
    expect(toDate(undefined)).toBeNull();
    expect(toDate(new Date(Number.NaN))).toBeNull();
  });

  it('reads bytes as Uint8Array or base64', () => {
    expect(toBytes(new Uint8Array([1, 2]))).toEqual(new Uint8Array([1, 2]));
    expect(Array.from(toBytes('AQI=') ?? [])).toEqual([1, 2]);
    expect(toBytes('not base64!')).toBeNull();
    expect(toBytes(5)).toBeNull();
  });

  it('round-trips datetime-local values in local time', () => {
    const d = new Date(2026, 10, 23, 9, 5);
    expect(toLocalInput(d)).toBe('2026-11-23T09:05');
    expect(fromLocalInput('2026-11-23T09:05')?.getTime()).toBe(d.getTime());
    expect(fromLocalInput('2026-11-23T09:05:30')?.getSeconds()).toBe(30);
    expect(fromLocalInput('')).toBeNull();
    expect(fromLocalInput('23/11/2026')).toBeNull();
  });
});

describe('public key download', () => {
  it('writes DER as PEM, 64 characters a line', () => {
    const der = new Uint8Array(100).map((_, i) => i);
    const pem = derToPem(der);
    const lines = pem.trim().split('\n');
    expect(lines[0]).toBe('-----BEGIN PUBLIC KEY-----');
    expect(lines[lines.length - 1]).toBe('-----END PUBLIC KEY-----');
    expect(lines.slice(1, -1).every((l) => l.length <= 64)).toBe(true);
    expect(Buffer.from(lines.slice(1, -1).join(''), 'base64')).toEqual(Buffer.from(der));
  });

  it('makes safe file names', () => {
    expect(safeFileName('alias/files/x.pem')).toBe('alias_files_x.pem');
    expect(safeFileName('../..')).toBe('download');
    expect(safeFileName('key 1.pem')).toBe('key_1.pem');
  });
});
