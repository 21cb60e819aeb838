import { readXml, XmlSyntaxError, type XmlObject, type XmlValue } from './xml-reader';

export { XmlSyntaxError, type XmlObject, type XmlValue };

/**
 * Parses one XML document into plain objects; throws XmlSyntaxError with the
 * reason. The reader is ours (xml-reader.ts): on our documents it is several
 * times faster than fast-xml-parser's validate + parse, refuses DOCTYPEs, and
 * bounds nesting; its output is the tree that parser gave (see the README).
 */
export function parseXml(text: string): XmlObject {
  return readXml(text);
}
