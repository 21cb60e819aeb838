/**
 * The library without Node-RED: parsers, normalize, calc, simulators and the
 * schema. The Node-RED nodes are one user of it.
 */
export * from './cdr/schema';
export * as time from './cdr/time';
export { stableId } from './cdr/id';

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

// Asterisk AMI
export * as amiFormat from './formats/ami';
export { AmiClient, backoffDelay, type AmiClientOptions, type AmiStatus } from './transport/ami-client';
export { AmiSimServer } from './sim/ami';
export { mapAsterisk, DEFAULT_DIRECTION_RULES as ASTERISK_DIRECTION_RULES, type DirectionRule as AsteriskDirectionRule } from './cdr/normalize/asterisk';
