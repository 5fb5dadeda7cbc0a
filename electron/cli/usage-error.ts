/** A command line that cannot be parsed: printed with a hint to --help, exit code 2. */
export class UsageError extends Error {
  readonly command: string | null;
  constructor(message: string, command: string | null = null) {
    super(message);
    this.name = 'UsageError';
    this.command = command;
  }
}

/** Flags the command does not take; the error report adds the nearest flags it does take. */
export class UnknownOptionError extends UsageError {
  /** The flags as given, without the leading --. */
  readonly options: ReadonlyArray<string>;
  constructor(options: ReadonlyArray<string>, command: string | null) {
    super(`unknown option${options.length > 1 ? 's' : ''}: ${options.map((f) => `--${f}`).join(', ')}`, command);
    this.name = 'UnknownOptionError';
    this.options = options;
  }
}
