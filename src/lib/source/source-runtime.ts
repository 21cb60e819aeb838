/**
 * The part of a source that sits between its transport and its messages:
 * opens the delivery (journal, replay), takes records from the transport with
 * the back-pressure each transport can apply (an HTTP 503, a spool file left
 * for later, a file tail that waits), keeps file checkpoints behind the
 * journal, and says in a few words how delivery stands for the status.
 */
import type { CheckpointStore } from '../transport/checkpoint';
import { Delivery, JournalFullError, type DeliveryOptions, type StoredRecord } from './delivery';

export interface SourceRuntimeOptions extends DeliveryOptions {
  /** The journal could not be opened, or another failure of the delivery itself. */
  onFailure(err: Error): void;
  /** close() began: called before the delivery closes (a batch output lets go of what it holds). */
  closing?(): void;
}

export class SourceRuntime {
  /** The delivery once open; null until then, or when it could not be opened. */
  delivery: Delivery | null = null;
  readonly ready: Promise<Delivery | null>;
  private failure: Error | null = null;
  private readonly closing: (() => void) | undefined;

  constructor(opts: SourceRuntimeOptions) {
    this.closing = opts.closing;
    this.ready = Delivery.open(opts).then(
      (d) => (this.delivery = d),
      (err: Error) => {
        this.failure = new Error(`the journal could not be opened: ${err.message}`);
        opts.onFailure(this.failure);
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
    if (this.failure) return ['journal failed'];
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

export { JournalFullError };
