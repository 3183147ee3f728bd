/** A plain object (not null, not an array): what JSON objects and parsed XML nodes are. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
