/** Why a gateway line was refused. */
export type GatewayLineErrorCode =
  | 'garbage'
  | 'too-long'
  | 'truncated'
  | 'too-many-fields'
  | 'bad-gateway'
  | 'bad-time'
  | 'bad-call-ref'
  | 'bad-port'
  | 'bad-event'
  | 'bad-dialed'
  | 'unknown-log-line';

/** A line that is not a gateway event or log line. Carries the raw text so the node can pass it on. */
export class GatewayLineError extends Error {
  constructor(
    readonly code: GatewayLineErrorCode,
    message: string,
    readonly line: string,
    readonly field?: string,
  ) {
    super(`gateway line: ${message}`);
    this.name = 'GatewayLineError';
  }
}
