/** An error meant for a user: what was wrong, where, and what to do. */
export class HfCoreError extends Error {
  readonly code: string;
  readonly hint?: string;
  /** Process exit code the CLI uses: 2 for usage or input errors. */
  readonly exitCode: number;
  constructor(message: string, opts: { code: string; hint?: string; exitCode?: number; cause?: unknown }) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'HfCoreError';
    this.code = opts.code;
    this.hint = opts.hint;
    this.exitCode = opts.exitCode ?? 2;
  }
}

export function formatError(err: unknown): string {
  if (err instanceof HfCoreError) return err.hint ? `${err.message}\n  ${err.hint}` : err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}
