import { ASTVisitor, GraphQLError, ValidationContext, ValidationRule } from 'graphql';

/*
 * Text Trellis can store: PostgreSQL text cannot hold NUL (U+0000), and a lone surrogate is not
 * Unicode (the driver would write U+FFFD in its place). Both are refused by name wherever a request
 * carries strings, over HTTP (server/protocol-errors.ts) and WebSocket, and in document literals.
 */

const NUL = /\u0000/;
// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why a string cannot be stored as text, or undefined when it can. */
export function unsafeTextReason(text: string): string | undefined {
  if (NUL.test(text)) return 'contains a NUL character (U+0000), which text cannot hold';
  const lone = LONE_SURROGATE.exec(text);
  if (lone) {
    const unit = lone[0].charCodeAt(0).toString(16).toUpperCase();
    return `contains a lone surrogate (U+${unit}), which is not valid Unicode`;
  }
  return undefined;
}

/**
 * The first string (or object key) anywhere in a request payload that text cannot hold, named by its
 * path, e.g. `variables.input.name contains a NUL character (U+0000) ...`; undefined when all are clean.
 */
export function findUnsafeText(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') {
    const reason = unsafeTextReason(value);
    return reason ? `${path || 'the request'} ${reason}.` : undefined;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) {
      const found = findUnsafeText(value[i], `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      const keyReason = unsafeTextReason(key);
      if (keyReason) return `a key in ${path || 'the request'} ${keyReason}.`;
      const found = findUnsafeText(child, path ? `${path}.${key}` : key);
      if (found) return found;
    }
  }
  return undefined;
}

/** The same refusal for string literals in the document itself (an escaped "\u0000" parses to NUL). */
export const noUnsafeTextRule: ValidationRule = (context: ValidationContext): ASTVisitor => ({
  StringValue(node) {
    const reason = unsafeTextReason(node.value);
    if (reason) context.reportError(new GraphQLError(`A string in the document ${reason}.`, { nodes: node }));
  },
});
