// Copying caller-named members (encryption context keys, tag keys, JSON objects) into a new
// object: `out[key] = value` with key "__proto__" sets the object's prototype instead and drops the
// pair silently, so an encryption context {"__proto__": "x"} was not bound to its ciphertext (found
// by test/fuzz/engine-inputs.test.ts). Defining the member keeps it, as JSON.parse does.

/** Adds `key: value` to `target` as an own, enumerable member, whatever the key's name. */
export function setOwnMember<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
