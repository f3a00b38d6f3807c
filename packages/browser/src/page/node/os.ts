/** `node:os` in the page: the runner's temp folder (where the checks write their test inputs). */
import { callSync } from '../rpc.ts';

let tmp: string | undefined;
export const tmpdir = (): string => (tmp ??= callSync('os.tmpdir') as string);
export const platform = (): string => 'browser';
export const homedir = (): string => tmpdir();
export const EOL = '\n';
export default { tmpdir, platform, homedir, EOL };
