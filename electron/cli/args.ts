// Splitting a command line into words and --flags. A flag takes the words after it up to the
// next --flag; which flags may take several words, none, or exactly one is decided later, by
// the operation's schema (params.ts) or the command's own flag list. The global flags are the
// exception: their count is known here (`fixed`), so they can stand anywhere on the line —
// `strongroom --data-dir D list-keys` — and the words after them are the command's again.

import { didYouMean } from './suggest.ts';
import { UnknownOptionError, UsageError } from './usage-error.ts';

export type ParsedArgs = {
  /** Words that belong to no flag: the command, for `audit` its subcommand, for file commands the files. */
  readonly words: ReadonlyArray<string>;
  /** Each flag (without the leading --) with the words that followed it, in order. */
  readonly flags: ReadonlyMap<string, ReadonlyArray<string>>;
};

/** Flags that always take this many values (0: a switch, 1: one value), wherever they stand. */
export type FixedArity = ReadonlyMap<string, 0 | 1>;

export type ParseOptions = {
  /** Flags that may also be given several times; their values are joined in order. */
  readonly repeatable?: ReadonlySet<string>;
  readonly fixed?: FixedArity;
};

const isFlag = (arg: string): boolean => arg.startsWith('--') && arg.length > 2;

export function parseArgs(argv: ReadonlyArray<string>, options: ParseOptions = {}): ParsedArgs {
  const repeatable = options.repeatable ?? new Set<string>();
  const fixed: FixedArity = options.fixed ?? new Map();
  const words: Array<string> = [];
  const flags = new Map<string, Array<string>>();
  let current: Array<string> | null = null;
  for (let i = 0; i < argv.length; i++) {
    // `-h` is --help, as in most command-line tools (the AWS CLI included).
    const arg = argv[i] === '-h' ? '--help' : (argv[i] ?? '');
    // A lone '-' or a negative number is a value, not a flag.
    if (isFlag(arg)) {
      const eq = arg.indexOf('=');
      const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      const earlier = flags.get(name);
      if (earlier !== undefined && !repeatable.has(name)) {
        throw new UsageError(`--${name} was given more than once; give it once (with several values if it takes a list).`);
      }
      current = earlier ?? [];
      flags.set(name, current);
      if (eq !== -1) {
        current.push(arg.slice(eq + 1));
      }
      const count = fixed.get(name);
      if (count !== undefined) {
        // A global flag takes its own value (when it was not given with `=`), then hands the line back.
        const next = argv[i + 1];
        if (count === 1 && eq === -1 && next !== undefined && !isFlag(next)) {
          current.push(next);
          i++;
        }
        current = null;
      }
    } else if (current === null) {
      words.push(arg);
    } else {
      current.push(arg);
    }
  }
  return { words, flags };
}

/** Removes and returns a flag that takes exactly one value. */
export function takeOne(flags: Map<string, ReadonlyArray<string>>, name: string, command: string | null): string | undefined {
  const values = flags.get(name);
  if (values === undefined) {
    return undefined;
  }
  flags.delete(name);
  if (values.length !== 1) {
    throw new UsageError(
      values.length === 0 ? `argument --${name}: expected one argument` : `argument --${name}: expected one argument, got ${values.length}: ${values.join(' ')}`,
      command,
    );
  }
  return values[0];
}

/**
 * `strongroom <group> <sub> …`: runs the handler for `sub` with the full command name ("audit
 * query"), or refuses with the group's choices. Positional words are refused except for the
 * subcommands listed in `positional`.
 */
export function runSubcommand(
  group: string,
  sub: string | undefined,
  args: ReadonlyArray<string>,
  choices: ReadonlyArray<string>,
  handlers: Readonly<Record<string, (command: string) => Promise<number>>>,
  positional: ReadonlyArray<string> = [],
): Promise<number> {
  const command = `${group} ${sub ?? ''}`.trim();
  if (!positional.includes(sub ?? '') && args.length > 0) {
    throw new UsageError(`unexpected argument${args.length > 1 ? 's' : ''}: ${args.join(' ')}`, command);
  }
  const handler = sub === undefined || !Object.hasOwn(handlers, sub) ? undefined : handlers[sub];
  if (handler === undefined) {
    throw new UsageError(`${group}: expected one of ${choices.join(', ')}${sub === undefined ? '' : `, got '${sub}'.${didYouMean(sub, choices)}`}`, group);
  }
  return handler(command);
}

/** Refuses any flag the command did not take. */
export function rejectLeftovers(flags: ReadonlyMap<string, ReadonlyArray<string>>, command: string): void {
  const unknown = [...flags.keys()];
  if (unknown.length > 0) {
    throw new UnknownOptionError(unknown, command);
  }
}

/** A required flag's value, or the usage error `aws` gives for a missing one. */
export function requireFlag(value: string | undefined, flag: string, command: string): string {
  if (value === undefined) {
    throw new UsageError(`the following arguments are required: --${flag}`, command);
  }
  return value;
}

/** Removes and returns a flag that takes no value. */
export function takeSwitch(flags: Map<string, ReadonlyArray<string>>, name: string, command: string | null): boolean {
  const values = flags.get(name);
  if (values === undefined) {
    return false;
  }
  flags.delete(name);
  if (values.length !== 0) {
    throw new UsageError(`argument --${name}: takes no value, got: ${values.join(' ')}`, command);
  }
  return true;
}
