/**
 * A small XML reader for the documents CDR sources send (FreeSWITCH
 * mod_xml_cdr, UCM XML): one pass over the text with indexOf, building the
 * same tree the earlier fast-xml-parser setup gave (attributes as fields,
 * values as trimmed text, repeated elements as arrays, `#text` beside
 * attributes or children), and checking well-formedness on the way instead of
 * in a second validating pass.
 *
 * Safe by construction: a DOCTYPE (and so any entity declaration) is refused,
 * only the five predefined entities are decoded (numeric references stay as
 * written, as before), nesting is bounded, and `__proto__` is refused as a name.
 */

export type XmlValue = string | XmlObject | XmlValue[];
export interface XmlObject {
  [name: string]: XmlValue;
}

export class XmlSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlSyntaxError';
  }
}

/** Deepest element nesting accepted (a FreeSWITCH CDR nests about 8 deep). */
export const MAX_XML_DEPTH = 64;

interface Frame {
  name: string;
  /** The hash of its name (a part of its parent's shape). */
  hash: number;
  /**
   * Its attributes' and children's names and values, in document order (a
   * name may repeat): the first `count` of these lists, which are longer when
   * an earlier element at this depth had more (they are kept, not shrunk).
   */
  names: string[];
  values: XmlValue[];
  count: number;
  /** A hash of `names` in order: which shape to look up once the element ends. */
  shape: number;
  text: string;
  /** Where the start tag began (for messages). */
  at: number;
}

const GT = 0x3e;
const SLASH = 0x2f;
const EQ = 0x3d;

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * Past this many fields an object built one computed name at a time is kept
 * by V8 as a hash table (its soft limit for keyed stores is about 12 beyond
 * the in-object slots), which is slower to read, to serialize (JSON.stringify
 * leaves its fast path) and bigger to keep while a record waits for its
 * journal write. Such an object is handed out either as a copy of a shape
 * seen before (below) or as a copy made by spread; both are ordinary fast
 * objects, their fields in document order.
 */
const COPY_ABOVE_FIELDS = 12;

/**
 * Wide elements seen before, by a hash of their names in order: a source sends
 * the same record shape (a UCM leg's 43 fields) again and again. Once a shape
 * has come twice, an empty object of it is kept, and an element of that shape
 * is a spread copy of it with each value stored into a field it already has:
 * no hash table grown field by field, no property store grown three fields at
 * a time, and two fifths of the garbage of reading a UCM leg gone. A shape is
 * kept only when its names do not repeat (a repeated name is an array), and a
 * slot is overwritten by the next shape that hashes to it, so varying records
 * (FreeSWITCH's variables) only cost a copy of their names.
 */
const SHAPE_SLOTS = 256;
/** What '#text' adds to a shape (no element or attribute can be so named). */
const TEXT_HASH = 0x2354;
interface Shape {
  names: string[];
  /** null until the shape comes a second time. Its values are all ''. */
  empty: XmlObject | null;
}
const shapes: Array<Shape | undefined> = new Array<Shape | undefined>(SHAPE_SLOTS);

/** Names and values of the open elements, by depth: reused, as a document is read one element at a time. */
const scratch: Array<{ names: string[]; values: XmlValue[] }> = [];

/** A shape's hash with one more name's hash: order counts, and it stays a small integer (no heap number). */
function mixShape(shape: number, nameHash: number): number {
  return (Math.imul(shape, 0x01000193) ^ nameHash) & 0x3fffffff;
}

/** True when `shape` holds the first `count` of `names`. */
function sameNames(shape: Shape, names: string[], count: number): boolean {
  const known = shape.names;
  if (known.length !== count) return false;
  for (let i = 0; i < count; i++) if (known[i] !== names[i]) return false;
  return true;
}

/** The object of an element's `count` fields, as the shapes above allow. */
function build(names: string[], values: XmlValue[], count: number, shape: number): XmlObject {
  const slot = shape & (SHAPE_SLOTS - 1);
  const known = count > COPY_ABOVE_FIELDS ? shapes[slot] : undefined;
  if (known !== undefined && known.empty !== null && sameNames(known, names, count)) {
    const o: XmlObject = { ...known.empty };
    for (let i = 0; i < count; i++) o[names[i] as string] = values[i] as XmlValue;
    return o;
  }
  const o: XmlObject = {};
  let fields = 0;
  for (let i = 0; i < count; i++) {
    const name = names[i] as string;
    const value = values[i] as XmlValue;
    const old = o[name];
    // (A name like toString finds the prototype's: not a field of ours.)
    if (old === undefined || !hasOwn.call(o, name)) {
      o[name] = value;
      fields++;
    } else if (Array.isArray(old)) old.push(value);
    else o[name] = [old, value];
  }
  if (fields <= COPY_ABOVE_FIELDS) return o;
  const copy = { ...o };
  if (fields === count) {
    if (known !== undefined && sameNames(known, names, count)) {
      const empty = { ...o };
      for (let i = 0; i < count; i++) empty[names[i] as string] = '';
      known.empty = empty;
    } else shapes[slot] = { names: names.slice(0, count), empty: null };
  }
  return copy;
}

/**
 * Names read before, by a hash of their characters: documents of one source
 * repeat the same few dozen element names, record after record. A name found
 * here is used as it is, with no slice of the text per element; and it is a
 * name V8 has internalized already (the one it keeps as a property key), so
 * storing a field under it takes the fast keyed store. A name sliced from the
 * text has first to be looked up in V8's string table, which cost a fifth of
 * the reading. Slots are overwritten on a collision, so a document of made-up
 * names only costs the lookups it misses; long names are not kept.
 */
const NAME_SLOTS = 1024;
const MAX_CACHED_NAME = 64;
const knownNames: Array<string | undefined> = new Array<string | undefined>(NAME_SLOTS);

/** The string V8 keeps for `name` as a property key (a miss of the cache only). */
function internalized(name: string): string {
  const key = Object.keys({ [name]: 0 })[0];
  return key ?? name;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;
}

/** Ends a name: space, '/', '>', '=' (or the end). */
function endsName(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d || c === SLASH || c === GT || c === EQ || Number.isNaN(c);
}

function isNameStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c === 0x3a || c >= 0xc0;
}

function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e || c === 0xb7;
}

const ENTITY = /^(?:#[0-9]+|#x[0-9a-fA-F]+|[A-Za-z_:][A-Za-z0-9_:.-]*)$/;
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const PREDEFINED_RE = /&(lt|gt|amp|quot|apos);/g;

function decode(s: string): string {
  return s.indexOf('&') === -1 ? s : s.replace(PREDEFINED_RE, (_m, name: string) => PREDEFINED[name] as string);
}

export function readXml(text: string, maxDepth: number = MAX_XML_DEPTH): XmlObject {
  const fail = (message: string, at: number): never => {
    let line = 1;
    let lineStart = 0;
    for (let i = text.indexOf('\n'); i !== -1 && i < at; i = text.indexOf('\n', i + 1)) {
      line++;
      lineStart = i + 1;
    }
    throw new XmlSyntaxError(`not well-formed XML: ${message} (line ${line}, column ${at - lineStart + 1})`);
  };

  /** Checks the '&' of a text piece: each must start an entity or character reference. */
  const checkAmpersands = (piece: string, at: number): void => {
    for (let i = piece.indexOf('&'); i !== -1; i = piece.indexOf('&', i + 1)) {
      const semi = piece.indexOf(';', i + 1);
      if (semi === -1 || semi - i > 40 || !ENTITY.test(piece.slice(i + 1, semi))) fail("char '&' is not expected.", at + i);
    }
  };

  /**
   * The text from..end decoded, '' when it is only spaces, its '&' checked.
   * `outside`: no element is open, so text there is an error.
   */
  const readText = (from: number, end: number, outside: boolean): string => {
    // Most text between tags is indentation: skip it without making a string.
    let first = from;
    while (first < end && isSpace(text.charCodeAt(first))) first++;
    if (first === end) return '';
    const piece = text.slice(first, end).trim();
    if (piece === '') return '';
    if (outside) fail(elements === 0 ? `char '${piece[0]}' is not expected.` : 'Extra text at the end', first);
    checkAmpersands(piece, first);
    return decode(piece);
  };

  /** Adds a child's value (or an attribute's) under its name to the element being read (top). */
  const add = (name: string, value: XmlValue, hash: number): void => {
    put(top, name, value);
    top.shape = mixShape(top.shape, hash);
  };

  /** True when `name` is written at `from` (its length checked already). */
  const sameAt = (name: string, from: number): boolean => {
    for (let i = 0; i < name.length; i++) if (name.charCodeAt(i) !== text.charCodeAt(from + i)) return false;
    return true;
  };

  /** The name starting at `from`, checked; where it ends is left in `nameEnd`, its hash in `nameHash`. */
  let nameEnd = 0;
  let nameHash = 0;
  const readName = (from: number, what: string): string => {
    let end = from;
    let hash = 0;
    for (let c = text.charCodeAt(end); !endsName(c); c = text.charCodeAt(++end)) hash = (Math.imul(hash, 31) + c) | 0;
    if (end === from) fail(`${what} name expected.`, from);
    nameEnd = end;
    nameHash = hash & 0x3fffffff;
    const length = end - from;
    const slot = hash & (NAME_SLOTS - 1);
    const known = knownNames[slot];
    // Only a name that passed the checks below is ever kept.
    if (known !== undefined && known.length === length && sameAt(known, from)) return known;
    let ok = isNameStart(text.charCodeAt(from));
    for (let i = from + 1; ok && i < end; i++) ok = isNameChar(text.charCodeAt(i));
    if (!ok) fail(`${what} '${text.slice(from, end)}' is an invalid name.`, from);
    if (length === 9 && text.startsWith('__proto__', from)) fail(`the name '__proto__' is refused.`, from);
    if (length > MAX_CACHED_NAME) return text.slice(from, end);
    const name = internalized(text.slice(from, end));
    knownNames[slot] = name;
    return name;
  };

  /** A frame for an element at `depth`, its name and value lists reused from earlier documents. */
  const open = (name: string, hash: number, depth: number, at: number): Frame => {
    let lists = scratch[depth];
    if (lists === undefined) scratch[depth] = lists = { names: [], values: [] };
    return { name, hash, names: lists.names, values: lists.values, count: 0, shape: 0, text: '', at };
  };

  const root: Frame = open('', 0, 0, 0);
  const stack: Frame[] = [root];
  let top = root;
  let elements = 0;
  const n = text.length;
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;

  while (pos < n) {
    const lt = text.indexOf('<', pos);
    const end = lt === -1 ? n : lt;
    const content = readText(pos, end, top === root);
    if (content !== '') top.text += content;
    if (lt === -1) break;
    const c = text.charCodeAt(lt + 1);
    if (c === SLASH) {
      // End tag: the name, optional spaces, '>'.
      const name = readName(lt + 2, 'Closing tag');
      let p = nameEnd;
      while (isSpace(text.charCodeAt(p))) p++;
      if (text.charCodeAt(p) !== GT) fail(`Closing tag '${name}' is not closed with '>'.`, lt);
      if (top === root) fail(`Closing tag '${name}' has not been opened.`, lt);
      if (name !== top.name) fail(`Expected closing tag '${top.name}' instead of closing tag '${name}'.`, lt);
      close();
      pos = p + 1;
    } else if (c === 0x3f) {
      // <? … ?>: the declaration or a processing instruction, skipped.
      const e = text.indexOf('?>', lt + 2);
      if (e === -1) fail('Processing instruction is not closed.', lt);
      pos = e + 2;
    } else if (c === 0x21) {
      if (text.startsWith('!--', lt + 1)) {
        const e = text.indexOf('-->', lt + 4);
        if (e === -1) fail('Comment is not closed.', lt);
        pos = e + 3;
      } else if (text.startsWith('![CDATA[', lt + 1)) {
        const e = text.indexOf(']]>', lt + 9);
        if (e === -1) fail('CDATA section is not closed.', lt);
        if (top === root) fail('CDATA outside the root element.', lt);
        top.text += text.slice(lt + 9, e);
        pos = e + 3;
      } else {
        // Entity declarations live in a DOCTYPE: refusing it refuses entity expansion.
        fail('a DOCTYPE or other declaration is refused (no entity declarations are accepted).', lt);
      }
    } else {
      if (isSpace(c)) fail("Invalid space after '<'.", lt);
      // A frame is made only for an element with children: most are leaves, read at once.
      const name = readName(lt + 1, 'Tag');
      const hash = nameHash;
      let attrs: XmlObject | null = null;
      let fields = 0;
      let attrShape = 0;
      let p = nameEnd;
      // Attributes.
      for (;;) {
        const before = p;
        while (isSpace(text.charCodeAt(p))) p++;
        const a = text.charCodeAt(p);
        if (a === GT || a === SLASH || Number.isNaN(a)) break;
        if (p === before) fail(`Attribute '${text.slice(p, p + 1)}' has no space in starting.`, p);
        const attr = readName(p, 'Attribute');
        const attrEnd = nameEnd;
        attrShape = mixShape(attrShape, nameHash);
        p = attrEnd;
        while (isSpace(text.charCodeAt(p))) p++;
        if (text.charCodeAt(p) !== EQ) fail(`Attribute '${attr}' is without value.`, attrEnd);
        p++;
        while (isSpace(text.charCodeAt(p))) p++;
        const q = text.charCodeAt(p);
        if (q !== 0x22 && q !== 0x27) fail(`Attribute '${attr}' is without value.`, p);
        const valueEnd = text.indexOf(q === 0x22 ? '"' : "'", p + 1);
        if (valueEnd === -1) fail(`Attribute '${attr}' is not closed.`, p);
        if (attrs === null) attrs = {};
        if (hasOwn.call(attrs, attr)) fail(`Attribute '${attr}' is repeated.`, before);
        attrs[attr] = decode(text.slice(p + 1, valueEnd).trim());
        fields++;
        p = valueEnd + 1;
      }
      elements++;
      if (stack.length > maxDepth) fail(`elements nested deeper than ${maxDepth}.`, lt);
      if (text.charCodeAt(p) === SLASH) {
        if (text.charCodeAt(p + 1) !== GT) fail(`Tag '${name}' is not closed with '>'.`, lt);
        add(name, valueOf(attrs, fields, ''), hash);
        pos = p + 2;
      } else if (text.charCodeAt(p) === GT) {
        // An element without children (nearly every element of a CDR) is
        // read at once, with no frame on the stack.
        const next = text.indexOf('<', p + 1);
        const leafEnd = next === -1 ? -1 : endOfLeaf(name, next);
        if (leafEnd !== -1) {
          add(name, valueOf(attrs, fields, readText(p + 1, next, false)), hash);
          pos = leafEnd;
          continue;
        }
        const frame = open(name, hash, stack.length, lt);
        if (attrs !== null) {
          for (const attr in attrs) put(frame, attr, attrs[attr] as XmlValue);
          frame.shape = attrShape;
        }
        stack.push(frame);
        top = frame;
        pos = p + 1;
      } else {
        fail(`Tag '${name}' is not closed.`, lt);
      }
    }
  }
  if (top !== root) fail(`Unclosed tag '${top.name}'.`, top.at);
  if (elements === 0) fail('Start tag expected.', 0);
  const tree = build(root.names, root.values, root.count, root.shape);
  root.values.fill('', 0, root.count);
  return tree;

  /**
   * When the first '<' after a start tag (at `lt`) begins that element's own
   * end tag, well formed, so its content is text only (or nothing): the
   * position after the end tag. -1 otherwise (children, a comment, CDATA, a
   * mismatch): then it is read the long way, which also reports any error.
   */
  function endOfLeaf(name: string, lt: number): number {
    if (text.charCodeAt(lt + 1) !== SLASH || !text.startsWith(name, lt + 2)) return -1;
    let q = lt + 2 + name.length;
    if (!endsName(text.charCodeAt(q))) return -1;
    while (isSpace(text.charCodeAt(q))) q++;
    return text.charCodeAt(q) === GT ? q + 1 : -1;
  }

  /** An element's value: its text alone, or its attributes and children with the text as '#text'. */
  function valueOf(obj: XmlObject | null, fields: number, content: string): XmlValue {
    if (obj === null) return content;
    if (content !== '') {
      obj['#text'] = content;
      fields++;
    }
    return fields > COPY_ABOVE_FIELDS ? { ...obj } : obj;
  }

  function close(): void {
    const frame = stack.pop() as Frame;
    top = stack[stack.length - 1] as Frame;
    // Text alone is the value; beside attributes or children it is '#text'.
    if (frame.count === 0) return add(frame.name, frame.text, frame.hash);
    if (frame.text !== '') {
      put(frame, '#text', frame.text);
      frame.shape = mixShape(frame.shape, TEXT_HASH);
    }
    const value = build(frame.names, frame.values, frame.count, frame.shape);
    // The lists are kept for the next element at this depth: let go of this one's values.
    frame.values.fill('', 0, frame.count);
    add(frame.name, value, frame.hash);
  }
}

function put(frame: Frame, name: string, value: XmlValue): void {
  const i = frame.count++;
  frame.names[i] = name;
  frame.values[i] = value;
}
