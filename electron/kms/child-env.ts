// The environment a Strongroom process gives a child it starts (the browser or file manager
// opener, the unlock agent): its own, minus every secret Strongroom reads from the environment.
// A child inherits by default, and a browser or file manager then hands the variable on to
// everything it starts, so the passphrase of a passphrase installation would travel far beyond
// the process that needed it (issue 22, finding 8). Every spawn goes through childEnvironment().

/** Variables that hold a Strongroom secret: never passed to a child. */
export const SECRET_VARIABLES: ReadonlyArray<string> = ['STRONGROOM_PASSPHRASE'];

/** A copy of `env` without SECRET_VARIABLES, for a child process's `env` option. */
export function childEnvironment(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env };
  for (const name of SECRET_VARIABLES) {
    delete out[name];
  }
  return out;
}
