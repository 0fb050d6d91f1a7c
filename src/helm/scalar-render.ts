import { Scalar, parseDocument } from 'yaml';

/**
 * Writing a new value into a values file so that YAML reads it back as the
 * same string. Both YAML 1.1 (Helm's go-yaml) and YAML 1.2 must read a plain
 * value as a string: `3.10` would be a float and `yes` a boolean, so such
 * values are quoted.
 */

/** The style of the value being replaced, and of the file. */
export interface RenderContext {
  /** The scalar being replaced, whose quoting is kept; undefined for a new key. */
  previous: Scalar | undefined;
  /** Quote character for values that must be quoted and had no quotes before. */
  quote: '"' | "'";
  /** True inside a flow collection (`{ … }`, `[ … ]`), where `,[]{}` end a plain value. */
  flow: boolean;
}

/** Renders `value` as a scalar: in the previous value's quotes, else plain when that reads back as the same string. */
export function renderScalar(value: string, context: RenderContext): string {
  switch (context.previous?.type) {
    case Scalar.QUOTE_DOUBLE:
      return quoteDouble(value);
    case Scalar.QUOTE_SINGLE:
      return quoteSingle(value);
    default:
      if (isPlainSafe(value, context.flow)) {
        return value;
      }
      return context.quote === "'" ? quoteSingle(value) : quoteDouble(value);
  }
}

/** Returns true when `value` written without quotes reads back as the same string in YAML 1.1 and 1.2. */
export function isPlainSafe(value: string, flow: boolean): boolean {
  if (value === '' || value !== value.trim() || /[\r\n\t]/.test(value)) {
    return false;
  }
  if (flow && /[,[\]{}]/.test(value)) {
    return false;
  }
  for (const version of ['1.1', '1.2'] as const) {
    const document = parseDocument(`key: ${value}\n`, { version });
    if (document.errors.length > 0) {
      return false;
    }
    if (document.get('key') !== value) {
      return false;
    }
  }
  return true;
}

function quoteDouble(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function quoteSingle(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
