// Node's own modules that only some operations use, loaded the first time one does (lazyModule)
// instead of with the engine, which every CLI call that opens the installation loads whole.
// Loading node:fs/promises, node:zlib and node:net with it cost each such call ~10 ms (D30);
// audit exports, streamed file writes and IpAddress policy conditions are what use them.

import type * as FsPromises from 'node:fs/promises';
import type * as Net from 'node:net';
import type * as StringDecoderModule from 'node:string_decoder';
import type * as Zlib from 'node:zlib';
import { lazyModule } from './lazy-module.ts';

export const fsPromises = lazyModule<typeof FsPromises>('node:fs/promises');
export const nodeNet = lazyModule<typeof Net>('node:net');
export const stringDecoder = lazyModule<typeof StringDecoderModule>('node:string_decoder');
export const zlib = lazyModule<typeof Zlib>('node:zlib');
