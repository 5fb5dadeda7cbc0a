// Saving something the engine returned as a file the user downloads: PEM text for public keys.
// Only the browser's own download (a Blob and <a download>); the renderer never names a path.

import { encodeBase64 } from '../../../shared/api/base64.ts';

/** DER bytes as PEM, 64 characters a line: '-----BEGIN PUBLIC KEY-----' … */
export function derToPem(der: Uint8Array, label = 'PUBLIC KEY'): string {
  const b64 = encodeBase64(der);
  const lines: Array<string> = [];
  for (let i = 0; i < b64.length; i += 64) {
    lines.push(b64.slice(i, i + 64));
  }
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** A file name safe on every system: letters, digits, dot, dash and underscore. */
export function safeFileName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '');
  return cleaned === '' ? 'download' : cleaned.slice(0, 120);
}

export function downloadText(fileName: string, text: string, type = 'application/x-pem-file'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = safeFileName(fileName);
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  // Give the download a moment to start before the URL goes.
  setTimeout(() => {
    URL.revokeObjectURL(url);
  }, 10_000);
}
