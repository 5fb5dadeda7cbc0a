// Preloaded with `node --import` by the CLI start test: records the URL of every module the
// process loads (ESM and CommonJS, through module.registerHooks), with the format it loaded as,
// and writes them, `format url` one a line, to $STRONGROOM_RECORD_LOADS when the process exits.
// The CLI under test is unchanged by it.
import { registerHooks } from 'node:module';
import { writeFileSync } from 'node:fs';

const out = process.env.STRONGROOM_RECORD_LOADS;
const loaded = new Map();
registerHooks({
  load(url, context, nextLoad) {
    loaded.set(url, 'failed'); // kept if the load throws
    const result = nextLoad(url, context);
    // A CommonJS file whose package names no type loads with the format left undefined.
    loaded.set(url, result.format ?? 'commonjs');
    return result;
  },
});
process.on('exit', () => {
  if (out !== undefined && out !== '') {
    writeFileSync(out, [...loaded].map(([url, format]) => `${format} ${url}\n`).join(''));
  }
});
