/**
 * The library without Node-RED: parsers, normalize, calc, simulators and the
 * schema. The Node-RED nodes are one user of it.
 */
export * from './cdr/schema';
export * as time from './cdr/time';
export { stableId } from './cdr/id';
// Asterisk AMI
export * as amiFormat from './formats/ami';
export { AmiClient, backoffDelay, type AmiClientOptions, type AmiStatus } from './transport/ami-client';
export { AmiSimServer } from './sim/ami';
export { mapAsterisk, DEFAULT_DIRECTION_RULES as ASTERISK_DIRECTION_RULES, type DirectionRule as AsteriskDirectionRule } from './cdr/normalize/asterisk';
