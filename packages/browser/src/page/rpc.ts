import { decodeValue, encodeValue, ROUTES, TOKEN_HEADER, type WireAnswer } from '../wire.ts';
import { page, pageConfig } from './config.ts';

/** An error thrown in the runner, with its Node error code (ENOENT...) kept for the caller. */
class RunnerError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

function answer(fn: string, status: number, text: string): unknown {
  if (status !== 200) throw new RunnerError(`the runner answered ${status} to ${fn}: ${text.slice(0, 300)}`);
  const a = JSON.parse(text) as WireAnswer;
  if (!a.ok) throw new RunnerError(a.error.message, a.error.code);
  return decodeValue(a.value);
}

/**
 * A synchronous call to the runner (a synchronous request to its loopback server): how the page
 * offers Node's synchronous built-ins (readFileSync, existsSync...) that the checks use.
 */
export function callSync(fn: string, ...args: unknown[]): unknown {
  const xhr = new page.XMLHttpRequest();
  xhr.open('POST', ROUTES.node, false);
  xhr.setRequestHeader(TOKEN_HEADER, pageConfig().token);
  xhr.setRequestHeader('content-type', 'application/json');
  xhr.send(JSON.stringify({ fn, args: args.map(encodeValue) }));
  return answer(fn, xhr.status, xhr.responseText);
}

/** An asynchronous call to one of the runner's routes. */
export async function call(route: string, fn: string, ...args: unknown[]): Promise<unknown> {
  const res = await fetch(route, {
    method: 'POST',
    headers: { [TOKEN_HEADER]: pageConfig().token, 'content-type': 'application/json' },
    body: JSON.stringify({ fn, args: args.map(encodeValue) }),
  });
  return answer(fn, res.status, await res.text());
}
