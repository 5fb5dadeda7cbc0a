// The AWS-compatible endpoint, started and stopped from the window (Settings). It runs in the
// process that holds the engine (the Electron main process, or `strongroom ui`), on a loopback
// port only, signing requests with the installation's access keys — the same endpoint
// `strongroom serve` runs (electron/server/endpoint.ts).

import type { Kms } from '../kms/engine.ts';
import { ValidationException } from '../kms/errors.ts';
import { DEFAULT_HOST, startEndpoint, type Endpoint } from '../server/endpoint.ts';

export type EndpointStatus = { readonly running: boolean; readonly url: string | null };

export class EndpointControl {
  #endpoint: Endpoint | null = null;
  #starting: Promise<EndpointStatus> | null = null;
  readonly #log: (message: string, detail?: unknown) => void;

  constructor(log: (message: string, detail?: unknown) => void) {
    this.#log = log;
  }

  status(): EndpointStatus {
    return { running: this.#endpoint !== null, url: this.#endpoint?.url ?? null };
  }

  /** Starts on 127.0.0.1:`port` (0: any free port). Already running on another port: restarts there. */
  async start(kms: Kms, port: number): Promise<EndpointStatus> {
    if (this.#endpoint !== null && (port === 0 || this.#endpoint.port === port)) {
      return this.status();
    }
    await this.stop();
    this.#starting ??= startEndpoint({ kms, lookup: kms.lookupAccessKey, host: DEFAULT_HOST, port, log: (line) => this.#log(line), xks: { kms } })
      .then(
        (endpoint) => {
          this.#endpoint = endpoint;
          return this.status();
        },
        (err: unknown) => {
          const code = (err as { code?: unknown } | null)?.code;
          throw new ValidationException(
            code === 'EADDRINUSE' ? `Port ${port} is in use by another program: choose another port, or 0 for any free one.` : `The endpoint could not start: ${err instanceof Error ? err.message : String(err)}.`,
          );
        },
      )
      .finally(() => {
        this.#starting = null;
      });
    return this.#starting;
  }

  async stop(): Promise<EndpointStatus> {
    const endpoint = this.#endpoint;
    this.#endpoint = null;
    await endpoint?.close();
    return this.status();
  }
}
