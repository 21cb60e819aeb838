/**
 * The library without Node-RED: parsers, normalize, calc, simulators and the
 * schema. The Node-RED nodes are one user of it.
 */
export * from './cdr/schema';
export * as time from './cdr/time';
export { stableId } from './cdr/id';
