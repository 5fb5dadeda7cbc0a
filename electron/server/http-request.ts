// What both HTTP surfaces (the KMS endpoint and the XKS proxy) read from a request the same way:
// its body, bounded, and its headers as SigV4 sees them.

import type { IncomingMessage } from 'node:http';

/**
 * The body, read whole; past `limit` bytes the rest is drained and the promise rejects with the
 * surface's own error (`tooLarge`), so the connection can still carry the answer.
 */
export function readBoundedBody(req: IncomingMessage, limit: number, tooLarge: () => Error): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(tooLarge());
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}

/**
 * The request's headers for the SigV4 check: a header sent on several lines is joined with ','
 * as SigV4 joins them (Node's own map joins with ', ', so a signature over it would not verify).
 */
export function headerMap(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, values] of Object.entries(req.headersDistinct)) {
    if (values !== undefined) {
      out[name] = values.join(',');
    }
  }
  return out;
}
