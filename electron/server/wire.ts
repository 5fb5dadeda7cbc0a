// AWS JSON 1.1 on the wire (docs/aws-kms.md §1.3–§1.4): blobs as padded standard base64, timestamps
// as epoch seconds (a JSON number), absent members omitted, errors as {"__type", "message"} with
// the HTTP status from the one table in shared/api/errors.ts.

import { errorHttpStatus, type KmsErrorName } from '../../shared/api/errors.ts';
import type { AuthErrorName } from './contracts.ts';

export const JSON_1_1 = 'application/x-amz-json-1.1';

/** Output values → JSON text: bytes to base64, Dates to epoch seconds. */
export function encodeOutput(output: unknown): string {
  return JSON.stringify(output, function replacer(this: unknown, key: string, value: unknown) {
    // JSON.stringify calls toJSON (Buffer, Date) before the replacer sees the value, so look at
    // the holder's own property instead.
    const raw = key === '' ? value : (this as Record<string, unknown>)[key];
    if (raw instanceof Uint8Array) {
      return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64');
    }
    if (raw instanceof Date) {
      return raw.getTime() / 1000;
    }
    return value;
  });
}

/** Errors the endpoint answers before the engine sees a call, beside the engine's own. */
export type WireErrorName = KmsErrorName | AuthErrorName | 'UnknownOperationException' | 'RequestEntityTooLargeException';

const EXTRA_STATUS: Readonly<Record<string, number>> = {
  MissingAuthenticationTokenException: 403,
  IncompleteSignatureException: 400,
  InvalidSignatureException: 400,
  UnrecognizedClientException: 400,
  RequestEntityTooLargeException: 413,
};

export function statusFor(name: WireErrorName): number {
  return (errorHttpStatus as Readonly<Record<string, number>>)[name] ?? EXTRA_STATUS[name] ?? 400;
}

export function errorBody(name: WireErrorName, message: string): string {
  return JSON.stringify({ __type: name, message });
}
