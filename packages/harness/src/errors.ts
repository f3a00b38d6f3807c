/** A check's assertion failed; the message says what was expected and what came out. */
export class CheckFailure extends Error {
  constructor(
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'CheckFailure';
  }
}

/** A check cannot run here (e.g. the backend has no transformers.js device); it is a skip, never a pass. */
export class SkipCheck extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'SkipCheck';
  }
}
