// The Node fast path and the portable path of shared/api/base64.ts must accept exactly the same
// strings: the renderer and the engine validate blobs with the same rules.
import { randomBytes } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';

async function nodePath() {
  vi.resetModules();
  return await import('../../shared/api/base64.ts');
}

async function portable() {
  vi.resetModules();
  const saved = globalThis.Buffer;
  // Hide Buffer while the module loads, as in the renderer.
  (globalThis as { Buffer?: unknown }).Buffer = undefined;
  try {
    return await import('../../shared/api/base64.ts');
  } finally {
    globalThis.Buffer = saved;
  }
}

const CASES = ['', 'AA==', 'AAA=', 'AAAA', 'aGk=', 'aGk', 'aGk==', 'a Gk=', 'aGk=\n', '****', 'aG-_', 'AB==', 'AAB=', '=AAA', 'AA=A', ...Array.from({ length: 20 }, (_, i) => randomBytes(i * 7).toString('base64'))];

describe('strict base64', () => {
  it('the Node and portable decoders agree on every case', async () => {
    const node = await nodePath();
    const web = await portable();
    for (const c of CASES) {
      const a = node.decodeBase64(c);
      const b = web.decodeBase64(c);
      expect(a === null ? null : Buffer.from(a).toString('hex'), JSON.stringify(c)).toBe(b === null ? null : Buffer.from(b).toString('hex'));
    }
  });
  it('rejects non-canonical padding bits, whitespace and the URL-safe alphabet', async () => {
    const node = await nodePath();
    for (const bad of ['AB==', 'a Gk=', 'aGk=\n', 'aG-_', 'aGk']) {
      expect(node.decodeBase64(bad), bad).toBeNull();
    }
  });
  it('encodes the same way on both paths', async () => {
    const node = await nodePath();
    const web = await portable();
    for (let n = 0; n < 40; n++) {
      const b = randomBytes(n);
      expect(web.encodeBase64(b)).toBe(node.encodeBase64(b));
    }
  });
});
