/**
 * One line from a gateway stream, which carries both event lines and gateway
 * log lines: tell them apart and parse.
 */

import { GatewayLineError } from './errors';
import { parseEventLine, type GatewayEvent, type Separator } from './event-line';
import { looksLikeLogMessage, parseLogLine, type GatewayStatus } from './log-line';

export type GatewayLine = { type: 'event'; event: GatewayEvent } | { type: 'status'; status: GatewayStatus };

const LOG_START = /^\d{4}[/-]\d{2}[/-]\d{2} \d{2}:\d{2}:\d{2}[\t ]+(?:Gateway\[|\[Logout:)/;

/** Null for a blank line or a header row; throws GatewayLineError for a bad line. */
export function parseGatewayLine(line: string, options: { separator?: Separator } = {}): GatewayLine | null {
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  if (LOG_START.test(text.trimStart())) {
    const status = parseLogLine(text);
    return status ? { type: 'status', status } : null;
  }
  // A log message behind something that is not a time: say so, rather than "bad Call-Ref".
  const message = text.includes('Gateway[') || text.includes('[Logout:') ? text.split('\t')[1] : undefined;
  if (message !== undefined && looksLikeLogMessage(message.trim())) {
    throw new GatewayLineError('bad-time', 'log line without a valid time', line);
  }
  const event = parseEventLine(text, options);
  return event ? { type: 'event', event } : null;
}
