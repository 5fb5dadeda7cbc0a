// Input validation for every engine entry point: the shared schema's SchemaError becomes the
// engine's typed AWS error (ValidationException for constraint violations, SerializationException
// for values of the wrong JSON type).

import { SchemaError, validateInput, type BlobEncoding, type Infer, type StructureSpec } from '../../shared/api/schema.ts';
import { SerializationException, ValidationException } from './errors.ts';

/** validateInput() with engine errors. @throws ValidationException | SerializationException */
export function validateRequest<S extends StructureSpec>(spec: S, input: unknown, blobs: BlobEncoding): Infer<S> {
  try {
    return validateInput(spec, input, blobs);
  } catch (err) {
    if (err instanceof SchemaError) {
      throw err.errorName === 'ValidationException' ? new ValidationException(err.message) : new SerializationException(err.message);
    }
    throw err;
  }
}
