// Formatting: dates (the engine's timestamps arrive as Date over IPC; a JSON transport may carry
// epoch seconds or ISO text, so every reader goes through toDate), sizes, countdowns, bytes.

import { decodeBase64 } from '../../../shared/api/base64.ts';

/** A Date from a Date, epoch seconds or ISO-8601 text; null for anything else. */
export function toDate(value: unknown): Date | null {
  if (value instanceof Date) {
    return Number.isNaN(value.getTime()) ? null : value;
  }
  if (typeof value === 'number' && Number.isFinite(value)) {
    return new Date(value * 1000);
  }
  if (typeof value === 'string' && value !== '') {
    const d = new Date(value);
    return Number.isNaN(d.getTime()) ? null : d;
  }
  return null;
}

const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dateTimeSecondsFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

/** "23 Nov 2026, 11:00" in the user's locale; "—" when there is no date. */
export function formatDateTime(value: unknown, seconds = false): string {
  const d = toDate(value);
  if (d === null) {
    return '—';
  }
  return (seconds ? dateTimeSecondsFormat : dateTimeFormat).format(d);
}

export function formatDate(value: unknown): string {
  const d = toDate(value);
  return d === null ? '—' : dateFormat.format(d);
}

/** ISO text for a <time dateTime>, or undefined. */
export function isoOf(value: unknown): string | undefined {
  return toDate(value)?.toISOString();
}

const UNITS = ['bytes', 'KB', 'MB', 'GB', 'TB'] as const;

/** 0 bytes, 1 byte, 999 bytes, 1.0 KB, 12.3 MB (1 KB = 1024 bytes). */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) {
    return '—';
  }
  if (n < 1024) {
    return n === 1 ? '1 byte' : `${n} bytes`;
  }
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${UNITS[unit]}`;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * Time left as words, largest units first: "6 days 23 hours 59 minutes 58 seconds"; days are
 * shown with hours only ("29 days 23 hours") when `coarse`. Zero or less is "now".
 */
export function formatCountdown(ms: number, coarse = false): string {
  if (!Number.isFinite(ms) || ms <= 0) {
    return 'now';
  }
  const total = Math.floor(ms / 1000);
  const days = Math.floor(total / 86_400);
  const hours = Math.floor((total % 86_400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const parts: Array<string> = [];
  if (days > 0) {
    parts.push(plural(days, 'day'));
  }
  if (hours > 0 || days > 0) {
    parts.push(plural(hours, 'hour'));
  }
  if (coarse && days > 0) {
    return parts.join(' ');
  }
  if (minutes > 0 || parts.length > 0) {
    parts.push(plural(minutes, 'minute'));
  }
  parts.push(plural(seconds, 'second'));
  return parts.join(' ');
}

/** Bytes from a Uint8Array (IPC) or base64 text (a JSON transport); null otherwise. */
export function toBytes(value: unknown): Uint8Array | null {
  if (value instanceof Uint8Array) {
    return value;
  }
  if (value instanceof ArrayBuffer) {
    return new Uint8Array(value);
  }
  if (typeof value === 'string') {
    return decodeBase64(value);
  }
  return null;
}

/** "YYYY-MM-DDTHH:MM" in local time, the value format of <input type=datetime-local>. */
export function toLocalInput(d: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The Date an <input type=datetime-local> value names (local time), or null when empty or invalid. */
export function fromLocalInput(value: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value);
  if (m === null) {
    return null;
  }
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? '0'));
  return Number.isNaN(d.getTime()) ? null : d;
}

/** A percentage 0–100 (whole numbers) of done over total; an empty total counts as done. */
export function percent(done: number, total: number): number {
  if (!(total > 0)) {
    return done >= total ? 100 : 0;
  }
  return Math.max(0, Math.min(100, Math.round((done / total) * 100)));
}
