/**
 * The library without Node-RED: parsers, normalize, calc, simulators and the
 * schema. The Node-RED nodes are one user of it.
 */
import * as path from 'node:path';

// --- the schema
export * from './cdr/schema';
export type { FromSchema } from './cdr/json-schema-type';
/** Path of the shipped JSON Schema file (`schema/cdr.schema.json` in the package). */
export const CDR_SCHEMA_FILE = path.join(__dirname, '..', '..', 'schema', 'cdr.schema.json');

// --- time and ids
export * as time from './cdr/time';
export { stableId } from './cdr/id';

// --- parsers (vendor payload text → vendor records)
export { parseUcm, ucmRecordsFrom, UcmFormatError, type UcmRecord, type UcmFormat } from './formats/ucm';

// --- normalize (vendor record → Cdr legs / call)
export { normalize, registerMapper, mappedVendors, isVendor, MapError } from './cdr/normalize';
export { cdrViolation, checkCdr, CdrInvalidError, problemOf, type CdrViolation, type CdrProblem } from './cdr/gate';
export type { Mapped, MapOptions, VendorMapper, VendorRecord } from './cdr/normalize';
export { mapUcm } from './cdr/normalize/ucm';
export { buildCall } from './cdr/call';
export { LegGrouper, type LegGrouperOptions } from './cdr/legs';
export { Deduper, type DedupeOptions, type DedupeState } from './cdr/dedupe';
export { toFlatRow, createTableSql, FLAT_COLUMNS, type FlatRow, type FlatColumn, type RowValue } from './cdr/rows';

// --- calc (metrics and cost)
export { calc, type CalcOptions } from './cdr/calc';
export { computeMetrics, formatDuration } from './cdr/metrics';
export {
  parseRateTable,
  buildRateTable,
  rateCdr,
  billedSeconds,
  normalizeNumber,
  roundTo,
  RateTable,
  RateTableError,
  RATE_COLUMNS,
  type Rate,
  type RateInput,
  type RatingOptions,
  type Rated,
} from './cdr/rating';

// --- simulators
export { UcmGenerator, UcmSender, encodeUcm } from './sim/ucm';

// VOS3000
export { parseVosLine, compileVosFormat, readVosTime, VosParseError, VosConfigError, VOS_DEFAULT_FIELDS, type VosRecord, type VosFormat, type VosFormatOptions } from './formats/vos';
export { mapVos3000 } from './cdr/normalize/vos3000';
export { ReorderWindow, type Released } from './cdr/reorder';
export { Liveness, type LivenessEvent } from './cdr/liveness';
export * as vosSim from './sim/vos';

// Legacy VoIP gateways
export * as gateway from './formats/gateway';
export { mapGateway } from './cdr/normalize/gateway';
export { generateGatewayTraffic, sendGatewayTcp, sendGatewayUdp } from './sim/gateway';

// FreeSWITCH
export * as freeswitch from './formats/freeswitch';
export { mapFreeswitch, type FsMapSettings } from './cdr/normalize/freeswitch';
export * as freeswitchSim from './sim/freeswitch';
// Asterisk AMI
export * as amiFormat from './formats/ami';
export { AmiClient, backoffDelay, type AmiClientOptions, type AmiStatus } from './transport/ami-client';
export { AmiSimServer } from './sim/ami';
export { mapAsterisk, DEFAULT_DIRECTION_RULES as ASTERISK_DIRECTION_RULES, type DirectionRule as AsteriskDirectionRule } from './cdr/normalize/asterisk';

// Sources without Node-RED: the journal, delivery with acknowledgements, and each source node's composition
export { Journal, JournalFullError, type JournalOptions, type JournalRecord, type FsyncPolicy } from './source/journal';
export { Delivery, type DeliveryOptions, type StoredRecord, type AckMode } from './source/delivery';
export { acknowledge, ackHandlesOf, ackHandlesOfBatch, registerAckOwner, ACK_PROPERTY } from './source/ack-registry';
export type { SourceEnv, SourceNodeLike } from './glue/source-node';
export { runUcmSource } from './source/ucm-source';
export { runFsSource } from './source/fs-source';
export { runVosSource } from './source/vos-source';
export { runGatewaySource } from './source/gateway-source';
export { runAmiSource } from './source/ami-source';
