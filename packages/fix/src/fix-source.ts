/**
 * `fixSource` is core's `fixWithHooks`: the fix hook over one file's text, in one in-memory
 * project per process, calls for the same path one after the other. Kept under this name for
 * programs that import it from @hf-core/fix.
 */
export { fixWithHooks as fixSource, type FixResult } from '@hf-core/core';
