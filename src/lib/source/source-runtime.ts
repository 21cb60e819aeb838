/**
 * The part of a source that sits between its transport and its messages:
 * opens the delivery (journal, replay), takes records from the transport with
 * the back-pressure each transport can apply (an HTTP 503, a spool file left
 * for later, a file tail that waits), keeps file checkpoints behind the
 * journal, and says in a few words how delivery stands for the status.
 */
import type { CheckpointStore } from '../transport/checkpoint';
import { Delivery, JournalFullError, type DeliveryOptions, type HeldRecord, type IntakeThrottle, type StoredRecord } from './delivery';
import { JournalLockedError } from './journal-lock';

export interface SourceRuntimeOptions extends DeliveryOptions {
  /** The journal could not be opened, or another failure of the delivery itself. */
  onFailure(err: Error): void;
  /** close() began: called before the delivery closes (a batch output lets go of what it holds). */
  closing?(): void;
}

/** A held record's place in the journal: its sequence number, null until the journal is open. */
export interface HoldTicket {
  seq: number | null;
}

export class SourceRuntime {
  /** The delivery once open; null until then, or when it could not be opened. */
  delivery: Delivery | null = null;
  readonly ready: Promise<Delivery | null>;
  private failure: Error | null = null;
  /** A journal is configured (it may not be open yet). */
  private readonly journaling: boolean;
  /** Records held before the journal was open, and releases waiting for it. */
  private readonly beforeOpen: Array<{ ticket: HoldTicket; record: StoredRecord }> = [];
  private readonly waiting: Array<() => void> = [];
  private readonly closing: (() => void) | undefined;
  private ackMode: DeliveryOptions['ackMode'];
  private throttle: IntakeThrottle | null = null;

  constructor(opts: SourceRuntimeOptions) {
    this.journaling = opts.journal !== null;
    this.closing = opts.closing;
    this.ackMode = opts.ackMode;
    this.ready = Delivery.open(opts).then(
      (d) => {
        this.delivery = d;
        this.opened(d);
        return d;
      },
      (err: Error) => {
        // The cause is kept: a journal directory held by another node is reported as such.
        this.failure = new Error(`the journal could not be opened: ${err.message}`, { cause: err });
        opts.onFailure(this.failure);
        this.opened(null);
        return null;
      },
    );
  }

  /** True while records would be refused (journal full, failed or not open). */
  get refusing(): boolean {
    return this.failure !== null || (this.delivery !== null && this.delivery.refusing);
  }

  /**
   * Takes records: resolves once durable and handed on. Rejects with
   * JournalFullError when full, or another Error when the journal is unusable.
   * Once the delivery is open the records are appended at once, before this
   * returns (a file checkpoint guarded by {@link guard} then covers them).
   */
  take(records: StoredRecord[]): Promise<void> {
    if (this.delivery) return this.delivery.accept(records);
    return this.ready.then((d) => {
      if (!d) throw this.failure ?? new Error('the journal is not open');
      return d.accept(records);
    });
  }

  /**
   * For file sources, whose position may move on as soon as the line handler
   * returns: takes the records at once when they fit (void), else gives a
   * promise that waits for room (the handler returns it, holding the file).
   */
  takeFromFile(records: StoredRecord[], onError: (err: Error) => void): Promise<void> | void {
    if (this.delivery && this.delivery.fits(records)) {
      this.delivery.accept(records).catch(onError);
      return;
    }
    return this.takeWhenRoom(records).catch(onError);
  }

  /** Like take(), but a full journal makes it wait for room instead of refusing (for file sources: the file keeps the record meanwhile). */
  async takeWhenRoom(records: StoredRecord[]): Promise<void> {
    for (;;) {
      try {
        return await this.take(records);
      } catch (err) {
        if (!(err instanceof JournalFullError) || !this.delivery) throw err;
        await this.delivery.whenSpace();
      }
    }
  }

  /**
   * Journals records the source keeps for a while (see Delivery.hold), once the
   * journal is open: their sequence numbers, or null when there is no journal or
   * it is not open yet. Throws JournalFullError, or the failure of the journal.
   */
  holdNow(records: StoredRecord[]): number[] | null {
    if (this.failure) throw this.failure;
    return this.delivery ? this.delivery.hold(records) : null;
  }

  /**
   * Like holdNow() for one record, and before the journal is open too: gives a
   * ticket for release() (null when there is no journal). A ticket taken before
   * the journal opened gets its sequence number at open; releases wait for that
   * and keep their order.
   */
  hold(record: StoredRecord): HoldTicket | null {
    if (!this.journaling) return null;
    if (this.failure) throw this.failure;
    if (this.delivery) return { seq: this.delivery.hold([record])?.[0] ?? null };
    const ticket: HoldTicket = { seq: null };
    this.beforeOpen.push({ ticket, record });
    return ticket;
  }

  /** Hands on a record held under `ticket` (null: it was never held; it is taken now). */
  release(ticket: HoldTicket | null, record: StoredRecord, redelivered: boolean, onError: (err: Error) => void): void {
    if (ticket === null) {
      this.take([record]).catch(onError);
      return;
    }
    const now = (): void => {
      if (ticket.seq === null || !this.delivery) onError(this.failure ?? new Error('the record could not be journaled'));
      else this.delivery.release(ticket.seq, record, redelivered);
    };
    if (this.delivery && this.waiting.length === 0) now();
    else this.waiting.push(now);
  }

  /** At open: the records held before get their place in the journal, then the releases that waited go, in order. */
  private opened(d: Delivery | null): void {
    // The flows may have changed while the journal opened.
    d?.setAckMode(this.ackMode);
    if (this.throttle) d?.setThrottle(this.throttle);
    const held = this.beforeOpen.splice(0);
    if (d && held.length > 0) {
      try {
        const seqs = d.hold(held.map((h) => h.record));
        held.forEach((h, i) => (h.ticket.seq = seqs?.[i] ?? null));
      } catch {
        // Full already: those tickets stay without a number, and their releases report it.
      }
    }
    for (const w of this.waiting.splice(0)) w();
  }

  /** A redeploy changed whether a cdr-ack is after this source (see Delivery.setAckMode). */
  setAckMode(mode: DeliveryOptions['ackMode']): void {
    this.ackMode = mode;
    this.delivery?.setAckMode(mode);
  }

  /** A transport that stops reading while records wait for the journal (see INTAKE_HIGH in delivery.ts). */
  throttleWith(throttle: IntakeThrottle): void {
    this.throttle = throttle;
    this.delivery?.setThrottle(throttle);
  }

  /** Lets held records go without handing them on. */
  settle(seqs: number[]): void {
    this.delivery?.settle(seqs);
  }

  /** A checkpoint store that saves a position only once every record taken before is durable in the journal. */
  guard<T>(store: CheckpointStore<T>): CheckpointStore<T> {
    return {
      file: store.file,
      load: () => store.load(),
      save: async (state: T) => {
        if (this.delivery) await this.delivery.flush();
        await store.save(state);
      },
      remove: () => store.remove(),
    };
  }

  /** A few words for the status: the delivery mode, what is unacknowledged, a full journal. */
  statusParts(): string[] {
    const d = this.delivery;
    if (this.failure) return [this.failure.cause instanceof JournalLockedError ? 'journal dir in use' : 'journal failed'];
    if (!d) return [];
    const parts: string[] = [];
    const stats = d.journalStats;
    if (d.ackMode === 'downstream') parts.push('via cdr-ack', `${stats ? stats.unacknowledged : 0} unacked`);
    else parts.push('ack on send');
    if (!d.journaled) parts.push('no journal');
    if (d.refusing) parts.push('journal full');
    return parts;
  }

  async close(): Promise<void> {
    const d = await this.ready;
    this.closing?.();
    if (d) await d.close();
  }
}

export { JournalFullError, type HeldRecord };
