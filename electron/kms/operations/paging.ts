// Opaque paging markers. A marker names the operation it came from and where the previous page
// ended; anything else is InvalidMarkerException, as AWS answers a marker it did not issue.

import { decodeBase64, encodeBase64 } from '../../../shared/api/base64.ts';
import { InvalidMarkerException } from '../errors.ts';

type MarkerBody = { readonly op: string; readonly after: ReadonlyArray<string | number> };

export function encodeMarker(op: string, after: ReadonlyArray<string | number>): string {
  return encodeBase64(new TextEncoder().encode(JSON.stringify({ op, after } satisfies MarkerBody)));
}

export function decodeMarker(op: string, marker: string | undefined): ReadonlyArray<string | number> | null {
  if (marker === undefined) {
    return null;
  }
  const bytes = decodeBase64(marker);
  let body: unknown;
  try {
    body = bytes === null ? null : JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    body = null;
  }
  const b = body as Partial<MarkerBody> | null;
  if (b === null || typeof b !== 'object' || b.op !== op || !Array.isArray(b.after)) {
    throw new InvalidMarkerException(
      `The marker '${marker}' was not returned by a previous ${op} call. Pass the NextMarker of the previous page, or omit Marker to start from the first page.`,
    );
  }
  return b.after;
}

/** Fetches limit + 1 rows to learn whether another page exists without a second query. */
export function page<T>(rows: ReadonlyArray<T>, limit: number): { items: Array<T>; truncated: boolean } {
  return rows.length > limit ? { items: rows.slice(0, limit), truncated: true } : { items: [...rows], truncated: false };
}
