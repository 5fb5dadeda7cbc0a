// File-system failures of encrypt-file / decrypt-file in words (issue 22): which file, what went
// wrong, what to do — never a raw `ENOENT … '.x.d16b8b8e1436.partial'`. They become KmsErrors so
// every surface (CLI, window) shows them as it shows any other refusal: the user's own mistakes
// (a missing input, a folder, a FIFO, no permission) as ValidationException or
// NotFoundException, the machine's (a full disk, an I/O error) as KMSInternalException.

import { KMSInternalException, KmsError, MACHINE_CAUSES, NotFoundException, ValidationException } from '../errors.ts';

const USER: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'the operation is not permitted',
  EISDIR: 'it is a folder, not a file',
  ENOTDIR: 'a part of its path is not a folder',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'its path has too many symbolic links',
  EEXIST: 'it already exists',
};

/** The file an error is about, as the user named it: a staging file stands for the output it becomes. */
function fileOf(err: NodeJS.ErrnoException, output: string, staging: (path: string) => boolean): string {
  const path = err.path;
  return path === undefined || staging(path) ? output : path;
}

/** `err` in words, naming the file it concerns; errors that are already KmsErrors pass as they are. */
export function describeFileError(err: unknown, input: string, output: string, staging: (path: string) => boolean): unknown {
  if (err instanceof KmsError || !(err instanceof Error) || typeof (err as NodeJS.ErrnoException).code !== 'string') {
    return err;
  }
  const e = err as NodeJS.ErrnoException;
  const code = e.code as string;
  const file = fileOf(e, output, staging);
  const role = file === input ? 'read' : 'write';
  if (code === 'ENOENT') {
    return file === input
      ? new NotFoundException(`${input} does not exist.`, { cause: err })
      : new ValidationException(`Cannot ${role} ${file}: its folder does not exist.`, { cause: err });
  }
  const user = USER[code];
  if (user !== undefined) {
    return new ValidationException(`Cannot ${role} ${file}: ${user} (${code}).`, { cause: err });
  }
  const machine = MACHINE_CAUSES[code];
  return new KMSInternalException(`Cannot ${role} ${file}: ${machine ?? e.message} (${code}).`, { cause: err });
}
