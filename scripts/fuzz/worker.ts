/**
 * The fuzz's hf-core process: runs the CLI's `main` in-process for each request the driver sends
 * (`{ id, argv, cwd }`) and answers `{ id, code, stdout, stderr }`; every stderr line is also sent
 * as it comes (`{ id, line }`), so the driver sees progress. An exception that escapes `main`,
 * or an unhandled rejection, is answered as `{ id, crash }`: a crash of hf-core itself.
 */
import { main } from '@hf-core/cli';

interface Request {
  id: number;
  argv: string[];
  cwd: string;
}

let current: number | undefined;
const send = (m: Record<string, unknown>) => process.send?.(m);

const crashed = (err: unknown) => {
  send({ id: current, crash: err instanceof Error ? (err.stack ?? err.message) : String(err) });
};
// The driver gone (killed, Ctrl-C): end this process group (strace, the CLI, its test processes).
process.on('disconnect', () => process.kill(0, 'SIGKILL'));
process.on('uncaughtException', crashed);
process.on('unhandledRejection', crashed);

process.on('message', async (req: Request) => {
  current = req.id;
  const stdout: string[] = [];
  const stderr: string[] = [];
  try {
    const code = await main(req.argv, {
      cwd: req.cwd,
      env: { ...process.env, HF_HUB_OFFLINE: '1' },
      stdout: (s) => stdout.push(s),
      stderr: (s) => {
        stderr.push(s);
        send({ id: req.id, line: s });
      },
    });
    send({ id: req.id, code, stdout: stdout.join('\n'), stderr: stderr.join('\n') });
  } catch (err) {
    crashed(err);
  }
});
send({ ready: true });
