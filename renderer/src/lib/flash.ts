// A one-time message carried to the next screen ("Key created."), shown once in its status region.

let pending: string | null = null;

export function setFlash(message: string): void {
  pending = message;
}

export function takeFlash(): string | null {
  const message = pending;
  pending = null;
  return message;
}
