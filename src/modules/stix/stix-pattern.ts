/**
 * The STIX 2.1 patterning language (STIX 2.1 §9): a builder for the one-observable patterns we
 * emit, a tokenizer and recursive-descent parser that accepts every valid pattern and refuses an
 * invalid one with a position and a reason, and the extraction of plain observables from the
 * patterns simple enough to be just a list of values (what an importer can deduplicate and act
 * on); anything richer is kept verbatim.
 *
 * Grammar (the OASIS STIXPattern grammar, with §9.5.3 precedence AND > OR > FOLLOWEDBY):
 *
 *   pattern        := obsFollowedBy EOF
 *   obsFollowedBy  := obsOr ('FOLLOWEDBY' obsOr)*
 *   obsOr          := obsAnd ('OR' obsAnd)*
 *   obsAnd         := obsQualified ('AND' obsQualified)*
 *   obsQualified   := obsPrimary qualifier*
 *   obsPrimary     := '[' comparison ']' | '(' obsFollowedBy ')'
 *   qualifier      := 'START' timestamp 'STOP' timestamp | 'WITHIN' number 'SECONDS'
 *                   | 'REPEATS' integer 'TIMES'
 *   comparison     := compAnd ('OR' compAnd)*
 *   compAnd        := propTest ('AND' propTest)*
 *   propTest       := '(' comparison ')' | 'EXISTS' path | path 'NOT'? operator constant
 *   path           := objectType ':' (identifier | string) ('.' (identifier | string)
 *                     | '[' (integer | '*') ']')*
 */
import ipaddr from 'ipaddr.js';
import { BROADBAND_ACCOUNT_SCO_TYPE, PHONE_NUMBER_SCO_TYPE } from './stix-ids.js';
import type { HashAlgorithm, IndicatorType, Observable } from './stix.types.js';

// ---------------------------------------------------------------------------------------------
// AST

export type ConstantType = 'string' | 'int' | 'float' | 'bool' | 'binary' | 'hex' | 'timestamp';

export interface PatternConstant {
  type: ConstantType;
  /** Decoded value: the unescaped string, the number, the boolean, or the literal's inner text. */
  value: string | number | boolean;
  position: number;
}

export interface PatternSet {
  type: 'set';
  values: PatternConstant[];
  position: number;
}

export type PathStep = { kind: 'property'; name: string } | { kind: 'index'; index: number | '*' };

export interface ObjectPath {
  object_type: string;
  steps: PathStep[];
  position: number;
}

export type ComparisonOperator =
  | '='
  | '!='
  | '>'
  | '<'
  | '>='
  | '<='
  | 'IN'
  | 'LIKE'
  | 'MATCHES'
  | 'ISSUBSET'
  | 'ISSUPERSET';

export type ComparisonNode =
  | { kind: 'test'; path: ObjectPath; operator: ComparisonOperator; negated: boolean; value: PatternConstant | PatternSet; position: number }
  | { kind: 'exists'; path: ObjectPath; position: number }
  | { kind: 'and' | 'or'; left: ComparisonNode; right: ComparisonNode; position: number };

export type Qualifier =
  | { kind: 'start_stop'; start: string; stop: string; position: number }
  | { kind: 'within'; seconds: number; position: number }
  | { kind: 'repeats'; times: number; position: number };

export type ObservationNode =
  | { kind: 'observation'; comparison: ComparisonNode; position: number }
  | { kind: 'and' | 'or' | 'followedby'; left: ObservationNode; right: ObservationNode; position: number }
  | { kind: 'qualified'; expression: ObservationNode; qualifier: Qualifier; position: number };

export interface PatternSyntaxError {
  /** 0-based offset in the pattern string (UTF-16 code units) where the problem was found. */
  position: number;
  message: string;
}

export type PatternParseResult = { ok: true; ast: ObservationNode } | { ok: false; error: PatternSyntaxError };

// ---------------------------------------------------------------------------------------------
// Tokenizer

type TokenKind =
  | 'lbracket'
  | 'rbracket'
  | 'lparen'
  | 'rparen'
  | 'comma'
  | 'colon'
  | 'dot'
  | 'asterisk'
  | 'operator'
  | 'keyword'
  | 'identifier'
  | 'string'
  | 'binary'
  | 'hex'
  | 'timestamp'
  | 'int'
  | 'float'
  | 'bool'
  | 'eof';

interface Token {
  kind: TokenKind;
  /** Source text for punctuation, operators, keywords and identifiers; decoded text for literals. */
  text: string;
  position: number;
}

const KEYWORDS = new Set([
  'AND',
  'OR',
  'NOT',
  'FOLLOWEDBY',
  'LIKE',
  'MATCHES',
  'ISSUBSET',
  'ISSUPERSET',
  'EXISTS',
  'LAST',
  'IN',
  'START',
  'STOP',
  'SECONDS',
  'WITHIN',
  'REPEATS',
  'TIMES',
]);

class PatternError extends Error {
  constructor(
    readonly position: number,
    message: string,
  ) {
    super(message);
  }
}

const TIMESTAMP_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?Z$/;
const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const HEX_RE = /^(?:[0-9a-fA-F]{2})*$/;

/** True when `text` is a STIX timestamp (§2.16): RFC 3339, UTC `Z`, real calendar date. */
export function isStixTimestamp(text: string): boolean {
  const m = TIMESTAMP_RE.exec(text);
  if (m === null) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 60) return false;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day <= daysInMonth;
}

function isIdentifierStart(ch: string): boolean {
  return /[A-Za-z_]/.test(ch);
}

function isIdentifierPart(ch: string): boolean {
  return /[A-Za-z0-9_-]/.test(ch);
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = source.length;

  /** Reads a quoted body starting at the opening quote; returns the decoded text and the end. */
  const readQuoted = (quoteAt: number, escapes: boolean): { text: string; end: number } => {
    let j = quoteAt + 1;
    let text = '';
    while (j < n) {
      const ch = source[j];
      if (ch === "'") return { text, end: j + 1 };
      if (ch === '\\' && escapes) {
        const next = source[j + 1];
        // §9.2: only an apostrophe or a backslash may follow the escape character.
        if (next !== "'" && next !== '\\') {
          throw new PatternError(j, "invalid escape in string: only \\' and \\\\ are allowed");
        }
        text += next;
        j += 2;
        continue;
      }
      text += ch;
      j += 1;
    }
    throw new PatternError(quoteAt, 'unterminated quoted literal');
  };

  const previousAllowsNumber = (): boolean => {
    const prev = tokens[tokens.length - 1];
    return prev === undefined || !['identifier', 'string', 'rbracket', 'rparen', 'int', 'float'].includes(prev.kind);
  };

  while (i < n) {
    const ch = source[i];
    if (/\s/.test(ch)) {
      i += 1;
      continue;
    }
    const start = i;
    const punctuation: Record<string, TokenKind> = {
      '[': 'lbracket',
      ']': 'rbracket',
      '(': 'lparen',
      ')': 'rparen',
      ',': 'comma',
      ':': 'colon',
      '*': 'asterisk',
    };
    if (punctuation[ch] !== undefined) {
      tokens.push({ kind: punctuation[ch], text: ch, position: start });
      i += 1;
      continue;
    }
    const two = source.slice(i, i + 2);
    if (two === '==' || two === '!=' || two === '<>' || two === '<=' || two === '>=') {
      tokens.push({ kind: 'operator', text: two === '==' ? '=' : two === '<>' ? '!=' : two, position: start });
      i += 2;
      continue;
    }
    if (ch === '=' || ch === '<' || ch === '>') {
      tokens.push({ kind: 'operator', text: ch, position: start });
      i += 1;
      continue;
    }
    if (ch === '!') throw new PatternError(i, "unexpected '!': did you mean '!='?");
    if (ch === "'") {
      const { text, end } = readQuoted(i, true);
      tokens.push({ kind: 'string', text, position: start });
      i = end;
      continue;
    }
    if ((ch === 'b' || ch === 'h' || ch === 't') && source[i + 1] === "'") {
      const { text, end } = readQuoted(i + 1, false);
      if (ch === 'b') {
        // §9.2: line feeds in base64 data MUST be supported and ignored.
        const compact = text.replace(/[\r\n]/g, '');
        if (!BASE64_RE.test(compact)) throw new PatternError(start, 'invalid binary constant: not base64');
        tokens.push({ kind: 'binary', text: compact, position: start });
      } else if (ch === 'h') {
        if (!HEX_RE.test(text)) {
          throw new PatternError(start, 'invalid hex constant: needs an even number of hexadecimal digits');
        }
        tokens.push({ kind: 'hex', text, position: start });
      } else {
        if (!isStixTimestamp(text)) {
          throw new PatternError(start, `invalid timestamp constant '${text}': expected YYYY-MM-DDTHH:MM:SS[.s+]Z`);
        }
        tokens.push({ kind: 'timestamp', text, position: start });
      }
      i = end;
      continue;
    }
    const startsNumber =
      /[0-9]/.test(ch) ||
      ((ch === '-' || ch === '+') && /[0-9.]/.test(source[i + 1] ?? '')) ||
      (ch === '.' && /[0-9]/.test(source[i + 1] ?? '') && previousAllowsNumber());
    if (startsNumber) {
      const m = /^[+-]?(?:(\d*)\.(\d+)|(0|[1-9]\d*))/.exec(source.slice(i));
      if (m === null) throw new PatternError(i, 'invalid number');
      const text = m[0];
      const after = source[i + text.length] ?? '';
      if (/[0-9A-Za-z_.]/.test(after)) throw new PatternError(i, `invalid number '${text}${after}'`);
      const isFloat = text.includes('.');
      tokens.push({ kind: isFloat ? 'float' : 'int', text, position: start });
      i += text.length;
      continue;
    }
    if (ch === '.') {
      tokens.push({ kind: 'dot', text: '.', position: start });
      i += 1;
      continue;
    }
    if (isIdentifierStart(ch)) {
      let j = i + 1;
      while (j < n && isIdentifierPart(source[j])) j += 1;
      const word = source.slice(i, j);
      if (KEYWORDS.has(word)) tokens.push({ kind: 'keyword', text: word, position: start });
      else if (word === 'true' || word === 'false') tokens.push({ kind: 'bool', text: word, position: start });
      else tokens.push({ kind: 'identifier', text: word, position: start });
      i = j;
      continue;
    }
    throw new PatternError(i, `unexpected character '${ch}'`);
  }
  tokens.push({ kind: 'eof', text: '', position: n });
  return tokens;
}

// ---------------------------------------------------------------------------------------------
// Parser

const ORDER_OPERATORS = new Set(['>', '<', '>=', '<=']);
const STRING_OPERATORS = new Set(['LIKE', 'MATCHES', 'ISSUBSET', 'ISSUPERSET']);

function describe(token: Token): string {
  if (token.kind === 'eof') return 'end of pattern';
  if (token.kind === 'string') return `string '${token.text}'`;
  return `'${token.text}'`;
}

/** §9.6.1: the operand of ISSUBSET/ISSUPERSET is an IPv4/IPv6 address or CIDR block. */
function isIpOrCidr(text: string): boolean {
  const [address, prefix, ...rest] = text.split('/');
  if (rest.length > 0) return false;
  if (/^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(address)) {
    return prefix === undefined || (/^\d{1,2}$/.test(prefix) && Number(prefix) <= 32);
  }
  if (address.includes(':') && ipaddr.IPv6.isValid(address)) {
    return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= 128);
  }
  return false;
}

class Parser {
  private index = 0;

  constructor(private readonly tokens: Token[]) {}

  private get current(): Token {
    return this.tokens[this.index];
  }

  private advance(): Token {
    const token = this.tokens[this.index];
    if (token.kind !== 'eof') this.index += 1;
    return token;
  }

  private isKeyword(word: string): boolean {
    return this.current.kind === 'keyword' && this.current.text === word;
  }

  private expect(kind: TokenKind, what: string): Token {
    if (this.current.kind !== kind) {
      throw new PatternError(this.current.position, `expected ${what}, found ${describe(this.current)}`);
    }
    return this.advance();
  }

  private expectKeyword(word: string): Token {
    if (!this.isKeyword(word)) {
      throw new PatternError(this.current.position, `expected ${word}, found ${describe(this.current)}`);
    }
    return this.advance();
  }

  parsePattern(): ObservationNode {
    if (this.current.kind === 'eof') throw new PatternError(0, 'empty pattern');
    const ast = this.parseFollowedBy();
    const rest: Token = this.current;
    if (rest.kind !== 'eof') {
      throw new PatternError(rest.position, `unexpected ${describe(rest)} after a complete pattern`);
    }
    return ast;
  }

  private parseFollowedBy(): ObservationNode {
    let left = this.parseObservationOr();
    while (this.isKeyword('FOLLOWEDBY')) {
      const op = this.advance();
      const right = this.parseObservationOr();
      left = { kind: 'followedby', left, right, position: op.position };
    }
    return left;
  }

  private parseObservationOr(): ObservationNode {
    let left = this.parseObservationAnd();
    while (this.isKeyword('OR')) {
      const op = this.advance();
      const right = this.parseObservationAnd();
      left = { kind: 'or', left, right, position: op.position };
    }
    return left;
  }

  private parseObservationAnd(): ObservationNode {
    let left = this.parseQualified();
    while (this.isKeyword('AND')) {
      const op = this.advance();
      const right = this.parseQualified();
      left = { kind: 'and', left, right, position: op.position };
    }
    return left;
  }

  private parseQualified(): ObservationNode {
    let expression = this.parseObservationPrimary();
    const seen = new Set<string>();
    for (;;) {
      let qualifier: Qualifier;
      const at = this.current.position;
      if (this.isKeyword('START')) {
        this.advance();
        const start = this.expect('timestamp', "a timestamp constant t'...' after START").text;
        this.expectKeyword('STOP');
        const stop = this.expect('timestamp', "a timestamp constant t'...' after STOP").text;
        if (Date.parse(stop) <= Date.parse(start)) throw new PatternError(at, 'STOP must be later than START');
        qualifier = { kind: 'start_stop', start, stop, position: at };
      } else if (this.isKeyword('WITHIN')) {
        this.advance();
        const token = this.current;
        if (token.kind !== 'int' && token.kind !== 'float') {
          throw new PatternError(token.position, `expected a number of seconds after WITHIN, found ${describe(token)}`);
        }
        this.advance();
        const seconds = Number(token.text);
        if (!(seconds > 0)) throw new PatternError(token.position, 'WITHIN needs a positive number of seconds');
        this.expectKeyword('SECONDS');
        qualifier = { kind: 'within', seconds, position: at };
      } else if (this.isKeyword('REPEATS')) {
        this.advance();
        const token = this.expect('int', 'a positive integer after REPEATS');
        const times = Number(token.text);
        if (!(times > 0) || token.text.startsWith('-')) {
          throw new PatternError(token.position, 'REPEATS needs a positive integer');
        }
        this.expectKeyword('TIMES');
        qualifier = { kind: 'repeats', times, position: at };
      } else {
        return expression;
      }
      // §9.5.1: an Observation Expression MUST NOT have more than one Qualifier of a type.
      if (seen.has(qualifier.kind)) {
        throw new PatternError(at, `more than one ${qualifier.kind.replace('_', '/').toUpperCase()} qualifier on one observation expression`);
      }
      seen.add(qualifier.kind);
      expression = { kind: 'qualified', expression, qualifier, position: at };
    }
  }

  private parseObservationPrimary(): ObservationNode {
    const token = this.current;
    if (token.kind === 'lbracket') {
      this.advance();
      if (this.current.kind === 'rbracket') throw new PatternError(this.current.position, 'empty observation expression');
      const comparison = this.parseComparisonOr();
      this.expect('rbracket', "']' closing the observation expression");
      checkSameObjectType(comparison);
      return { kind: 'observation', comparison, position: token.position };
    }
    if (token.kind === 'lparen') {
      this.advance();
      const inner = this.parseFollowedBy();
      this.expect('rparen', "')'");
      return inner;
    }
    throw new PatternError(token.position, `expected '[' or '(' starting an observation expression, found ${describe(token)}`);
  }

  private parseComparisonOr(): ComparisonNode {
    let left = this.parseComparisonAnd();
    while (this.isKeyword('OR')) {
      const op = this.advance();
      const right = this.parseComparisonAnd();
      left = { kind: 'or', left, right, position: op.position };
    }
    return left;
  }

  private parseComparisonAnd(): ComparisonNode {
    let left = this.parsePropTest();
    while (this.isKeyword('AND')) {
      const op = this.advance();
      const right = this.parsePropTest();
      left = { kind: 'and', left, right, position: op.position };
    }
    return left;
  }

  private parsePropTest(): ComparisonNode {
    const token = this.current;
    if (token.kind === 'lparen') {
      this.advance();
      const inner = this.parseComparisonOr();
      this.expect('rparen', "')'");
      return inner;
    }
    if (this.isKeyword('EXISTS')) {
      this.advance();
      const path = this.parsePath();
      return { kind: 'exists', path, position: token.position };
    }
    const path = this.parsePath();
    let negated = false;
    if (this.isKeyword('NOT')) {
      this.advance();
      negated = true;
    }
    const opToken = this.current;
    let operator: ComparisonOperator;
    if (opToken.kind === 'operator') operator = opToken.text as ComparisonOperator;
    else if (opToken.kind === 'keyword' && (opToken.text === 'IN' || STRING_OPERATORS.has(opToken.text))) {
      operator = opToken.text as ComparisonOperator;
    } else {
      throw new PatternError(opToken.position, `expected a comparison operator, found ${describe(opToken)}`);
    }
    this.advance();
    let value: PatternConstant | PatternSet;
    if (operator === 'IN') {
      value = this.parseSet();
    } else {
      value = this.parseConstant();
      if (ORDER_OPERATORS.has(operator) && value.type === 'bool') {
        throw new PatternError(value.position, `operator ${operator} needs an orderable constant, not a boolean`);
      }
      if (STRING_OPERATORS.has(operator) && value.type !== 'string') {
        throw new PatternError(value.position, `operator ${operator} needs a string constant`);
      }
      if ((operator === 'ISSUBSET' || operator === 'ISSUPERSET') && !isIpOrCidr(value.value as string)) {
        throw new PatternError(value.position, `operator ${operator} needs an IPv4/IPv6 address or CIDR block`);
      }
    }
    return { kind: 'test', path, operator, negated, value, position: path.position };
  }

  private parseSet(): PatternSet {
    const open = this.expect('lparen', "'(' starting the set after IN");
    const values: PatternConstant[] = [];
    if (this.current.kind !== 'rparen') {
      values.push(this.parseConstant());
      while (this.current.kind === 'comma') {
        this.advance();
        values.push(this.parseConstant());
      }
    }
    this.expect('rparen', "',' or ')' in the set");
    // §9.6.1: set values MUST be constants of homogeneous data type (integers and floats compare).
    const family = (c: PatternConstant): string => (c.type === 'int' || c.type === 'float' ? 'number' : c.type);
    const mismatch = values.find((c) => family(c) !== family(values[0]));
    if (mismatch !== undefined) throw new PatternError(mismatch.position, 'set constants must all be of the same type');
    return { type: 'set', values, position: open.position };
  }

  private parseConstant(): PatternConstant {
    const token = this.current;
    switch (token.kind) {
      case 'string':
      case 'binary':
      case 'hex':
      case 'timestamp':
        this.advance();
        return { type: token.kind, value: token.text, position: token.position };
      case 'int':
      case 'float':
        this.advance();
        return { type: token.kind, value: Number(token.text), position: token.position };
      case 'bool':
        this.advance();
        return { type: 'bool', value: token.text === 'true', position: token.position };
      default:
        throw new PatternError(token.position, `expected a constant, found ${describe(token)}`);
    }
  }

  private parsePath(): ObjectPath {
    const typeToken = this.current;
    if (typeToken.kind !== 'identifier') {
      throw new PatternError(typeToken.position, `expected an object path such as ipv4-addr:value, found ${describe(typeToken)}`);
    }
    this.advance();
    this.expect('colon', "':' after the object type");
    const steps: PathStep[] = [{ kind: 'property', name: this.parsePropertyName() }];
    for (;;) {
      if (this.current.kind === 'dot') {
        this.advance();
        steps.push({ kind: 'property', name: this.parsePropertyName() });
      } else if (this.current.kind === 'lbracket') {
        this.advance();
        const t = this.current;
        if (t.kind === 'asterisk') steps.push({ kind: 'index', index: '*' });
        else if (t.kind === 'int') steps.push({ kind: 'index', index: Number(t.text) });
        else throw new PatternError(t.position, `expected a list index (integer or *), found ${describe(t)}`);
        this.advance();
        this.expect('rbracket', "']' closing the list index");
      } else {
        return { object_type: typeToken.text, steps, position: typeToken.position };
      }
    }
  }

  private parsePropertyName(): string {
    const token = this.current;
    if (token.kind === 'string') {
      this.advance();
      return token.text;
    }
    if (token.kind === 'identifier' || token.kind === 'keyword' || token.kind === 'bool') {
      // §9.7: a property name containing '-' or '.' MUST be quoted.
      if (token.text.includes('-')) {
        throw new PatternError(token.position, `property name '${token.text}' contains '-' and must be quoted`);
      }
      this.advance();
      return token.text;
    }
    throw new PatternError(token.position, `expected a property name, found ${describe(token)}`);
  }
}

/**
 * §9.5: operands of AND inside one observation expression MUST be satisfiable with the same
 * object; paths starting from different object types may only be joined by OR.
 */
function checkSameObjectType(node: ComparisonNode): Set<string> {
  switch (node.kind) {
    case 'test':
    case 'exists':
      return new Set([node.path.object_type]);
    case 'or': {
      const union = checkSameObjectType(node.left);
      for (const t of checkSameObjectType(node.right)) union.add(t);
      return union;
    }
    case 'and': {
      const left = checkSameObjectType(node.left);
      const right = checkSameObjectType(node.right);
      const both = new Set([...left].filter((t) => right.has(t)));
      if (both.size === 0) {
        throw new PatternError(
          node.position,
          `comparisons joined by AND must apply to the same object type (${[...left].join('|')} vs ${[...right].join('|')}); use OR or separate observation expressions`,
        );
      }
      return both;
    }
  }
}

/** Parses a STIX 2.1 pattern. Never throws: an invalid pattern yields its position and reason. */
export function parsePattern(source: string): PatternParseResult {
  try {
    return { ok: true, ast: new Parser(tokenize(source)).parsePattern() };
  } catch (error) {
    if (error instanceof PatternError) return { ok: false, error: { position: error.position, message: error.message } };
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Building patterns from one observable

/** Quotes a string constant: backslash and apostrophe are the only escapes (§9.2). */
export function quotePatternString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

const HASH_PATH_KEY: Record<HashAlgorithm, string> = { md5: 'MD5', sha1: "'SHA-1'", sha256: "'SHA-256'" };

/** The hash algorithm a hex digest's length implies, for rows that did not record one. */
export function inferHashAlgorithm(digest: string): HashAlgorithm | null {
  if (!/^[0-9a-fA-F]+$/.test(digest)) return null;
  return ({ 32: 'md5', 40: 'sha1', 64: 'sha256' } as Record<number, HashAlgorithm>)[digest.length] ?? null;
}

/** Observable types a STIX pattern can express (a vulnerability is an SDO, never a pattern). */
export type PatternableType = Exclude<IndicatorType, 'vulnerability'>;

/**
 * The STIX pattern for one observable. CIDR blocks use ISSUBSET so that any address inside the
 * block matches (§9.6.1), rather than `=` which would only match the block object itself.
 */
export function buildPattern(observable: Observable): string {
  const q = quotePatternString(observable.value);
  switch (observable.type) {
    case 'ipv4':
      return `[ipv4-addr:value = ${q}]`;
    case 'ipv6':
      return `[ipv6-addr:value = ${q}]`;
    case 'cidr':
      return `[${observable.value.includes(':') ? 'ipv6-addr' : 'ipv4-addr'}:value ISSUBSET ${q}]`;
    case 'domain':
      return `[domain-name:value = ${q}]`;
    case 'url':
      return `[url:value = ${q}]`;
    case 'email':
      return `[email-addr:value = ${q}]`;
    case 'phone':
      return `[${PHONE_NUMBER_SCO_TYPE}:value = ${q}]`;
    case 'broadband_account':
      return `[${BROADBAND_ACCOUNT_SCO_TYPE}:value = ${q}]`;
    case 'file_hash': {
      const algorithm = observable.hash_algorithm ?? inferHashAlgorithm(observable.value);
      if (algorithm === null) throw new TypeError(`cannot tell the hash algorithm of '${observable.value}'`);
      return `[file:hashes.${HASH_PATH_KEY[algorithm]} = ${q}]`;
    }
    case 'vulnerability':
      throw new TypeError('a vulnerability is exported as a vulnerability object, not as a pattern');
  }
}

// ---------------------------------------------------------------------------------------------
// Extracting observables

export interface ObservableExtraction {
  observables: Observable[];
  /** True when the pattern says more than a list of values: keep it verbatim, extract nothing. */
  kept_raw: boolean;
  /** Set when the input did not parse. */
  error?: PatternSyntaxError;
}

/** Hash dictionary keys as producers write them (hash-algorithm-ov says 'MD5', 'SHA-1', 'SHA-256'). */
function hashAlgorithmOfKey(key: string): HashAlgorithm | null {
  const k = key.toUpperCase().replace(/[-_]/g, '');
  return k === 'MD5' ? 'md5' : k === 'SHA1' ? 'sha1' : k === 'SHA256' ? 'sha256' : null;
}

function observableOfTest(node: ComparisonNode): Observable | null {
  if (node.kind !== 'test' || node.negated) return null;
  if (node.value.type !== 'string') return null;
  const value = node.value.value as string;
  const { object_type: type, steps } = node.path;
  const names = steps.map((s) => (s.kind === 'property' ? s.name : null));
  const isValuePath = names.length === 1 && names[0] === 'value';
  if (node.operator === 'ISSUBSET') {
    if (!isValuePath || (type !== 'ipv4-addr' && type !== 'ipv6-addr')) return null;
    if (!value.includes('/')) return { type: type === 'ipv4-addr' ? 'ipv4' : 'ipv6', value };
    return { type: 'cidr', value };
  }
  if (node.operator !== '=') return null;
  if (isValuePath) {
    switch (type) {
      case 'ipv4-addr':
        return { type: value.includes('/') ? 'cidr' : 'ipv4', value };
      case 'ipv6-addr':
        return { type: value.includes('/') ? 'cidr' : 'ipv6', value };
      case 'domain-name':
        return { type: 'domain', value };
      case 'url':
        return { type: 'url', value };
      case 'email-addr':
        return { type: 'email', value };
      case PHONE_NUMBER_SCO_TYPE:
        return { type: 'phone', value };
      case BROADBAND_ACCOUNT_SCO_TYPE:
        return { type: 'broadband_account', value };
      default:
        return null;
    }
  }
  if (type === 'file' && names.length === 2 && names[0] === 'hashes' && names[1] !== null) {
    const algorithm = hashAlgorithmOfKey(names[1]);
    return algorithm === null ? null : { type: 'file_hash', value, hash_algorithm: algorithm };
  }
  return null;
}

function collectOr<T extends { kind: string }>(node: T, leaves: T[]): void {
  const n = node as unknown as { kind: string; left: T; right: T };
  if (n.kind === 'or') {
    collectOr(n.left, leaves);
    collectOr(n.right, leaves);
  } else leaves.push(node);
}

/**
 * The observables of a pattern that is only a disjunction of equalities over paths we model:
 * `[ipv4-addr:value = '…' OR domain-name:value = '…']`, or several such observation expressions
 * joined by OR without qualifiers, plus our own CIDR form `ipv4-addr:value ISSUBSET '…/n'`.
 * Anything else (AND, NOT, qualifiers, other operators or paths) is kept raw: a partial
 * extraction would claim more or less than the pattern says.
 */
export function extractObservables(pattern: string | ObservationNode): ObservableExtraction {
  let ast: ObservationNode;
  if (typeof pattern === 'string') {
    const parsed = parsePattern(pattern);
    if (!parsed.ok) return { observables: [], kept_raw: true, error: parsed.error };
    ast = parsed.ast;
  } else ast = pattern;

  const raw: ObservableExtraction = { observables: [], kept_raw: true };
  const observations: ObservationNode[] = [];
  collectOr(ast, observations);
  const observables: Observable[] = [];
  const seen = new Set<string>();
  for (const observation of observations) {
    if (observation.kind !== 'observation') return raw;
    const tests: ComparisonNode[] = [];
    collectOr(observation.comparison, tests);
    for (const test of tests) {
      const observable = observableOfTest(test);
      if (observable === null) return raw;
      const key = `${observable.type}\u0000${observable.hash_algorithm ?? ''}\u0000${observable.value}`;
      if (!seen.has(key)) {
        seen.add(key);
        observables.push(observable);
      }
    }
  }
  return { observables, kept_raw: false };
}
