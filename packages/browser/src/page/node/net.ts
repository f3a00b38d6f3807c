/**
 * `node:net` in the page: no sockets. The harness's timed sections connect to the run's lock
 * with it; in a page the connection fails, and the section is timed without the lock.
 */
export function connect(): never {
  throw new Error('node:net: a browser page has no sockets');
}
export default { connect };
