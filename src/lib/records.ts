/** A plain object (not null, not an array): what JSON objects and parsed XML nodes are. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !isArray(value);
}

/** Array.isArray, which throws for a revoked Proxy: that one counts as an object whose reads fail. */
export function isArray(value: unknown): boolean {
  try {
    return Array.isArray(value);
  } catch {
    return false;
  }
}
