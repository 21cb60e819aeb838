/**
 * The `receivedAt` text of records arriving now. Line sources take records by
 * the thousand per millisecond, and a Date plus an ISO string per record is
 * garbage the hot path need not make: each millisecond is formatted once.
 */
export function receivedClock(now: () => number = Date.now): () => string {
  let stampMs = Number.NaN;
  let stampText = '';
  return () => {
    const ms = now();
    if (ms !== stampMs) {
      stampMs = ms;
      stampText = new Date(ms).toISOString();
    }
    return stampText;
  };
}
