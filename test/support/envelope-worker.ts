// A separate process that encrypts or decrypts one file with a raw AES wrapping key, so a test can
// SIGKILL it part-way (test/envelope/crash-safety.test.ts). No engine: the key comes in hex.
// Usage: node envelope-worker.ts <encrypt|decrypt> <input> <output> <wrapping key hex> [suite id hex]
// Prints "started" once the modules are loaded and the work begins, then one JSON line
// { plaintextBytes, frames, ms } when the output file is in place.
import { decryptFile, encryptFile } from '../../electron/kms/envelope/files.ts';
import { rawAesKeyring } from '../../electron/kms/envelope/keyrings.ts';

// The test opens the worker's output with a keyring of the same namespace and name.
const NAMESPACE = 'strongroom-crash-test';
const KEY_NAME = 'crash-key';

const [mode = '', input = '', output = '', keyHex = '', suiteHex = '0578'] = process.argv.slice(2);
if ((mode !== 'encrypt' && mode !== 'decrypt') || input === '' || output === '' || !/^([0-9a-f]{2}){16,32}$/.test(keyHex)) {
  process.stderr.write('usage: envelope-worker.ts <encrypt|decrypt> <input> <output> <wrapping key hex> [suite id hex]\n');
  process.exit(2);
}
const suiteId = Number.parseInt(suiteHex, 16);
if (suiteId !== 0x0578 && suiteId !== 0x0478) {
  process.stderr.write(`unsupported suite ${suiteHex}\n`);
  process.exit(2);
}
const keyrings = [rawAesKeyring(NAMESPACE, KEY_NAME, Buffer.from(keyHex, 'hex'))];
process.stdout.write('started\n');
const started = performance.now();
const info = mode === 'encrypt' ? await encryptFile(input, output, { keyrings, suiteId }) : await decryptFile(input, output, { keyrings });
process.stdout.write(`${JSON.stringify({ plaintextBytes: info.plaintextBytes, frames: info.frames, ms: Math.round(performance.now() - started) })}\n`);
