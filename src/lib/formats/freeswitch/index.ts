export * from './types';
export { fsUrlDecode, looksUrlEncoded } from './url-decode';
export { parseXmlCdr } from './xml';
export { parseJsonCdr, jsonToRecord, type JsonCdrOptions } from './json';
export { decodePostBody, parsePostBody, type DecodedPost, type ParsedPost, type PostEncoding } from './post-body';
export { compileTemplate, parseCsvLine, parseCsvText, type CompiledTemplate } from './csv';
export { CSV_TEMPLATES } from './csv-templates';
