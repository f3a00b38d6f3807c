import { main } from '../index.ts';

/** `hf-core ...argv` in-process, as the tests run it: its exit code and what it printed. */
export async function runCli(argv: string[], io: { cwd: string; env: NodeJS.ProcessEnv }) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { stdout: (s) => out.push(s), stderr: (s) => err.push(s), ...io });
  return { code, out: out.join('\n'), err: err.join('\n') };
}
