// Preloaded with `node --import` by the CLI start test: records the URL of every module the
// process loads (ESM and CommonJS, through module.registerHooks) and writes them, one a line, to
// $STRONGROOM_RECORD_LOADS when the process exits. The CLI under test is unchanged by it.
import { registerHooks } from 'node:module';
import { writeFileSync } from 'node:fs';

const out = process.env.STRONGROOM_RECORD_LOADS;
const loaded = new Set();
registerHooks({
  load(url, context, nextLoad) {
    loaded.add(url);
    return nextLoad(url, context);
  },
});
process.on('exit', () => {
  if (out !== undefined && out !== '') {
    writeFileSync(out, [...loaded].join('\n') + '\n');
  }
});
