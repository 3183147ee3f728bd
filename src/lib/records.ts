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

/** A positive safe integer given as a number or a string of digits (a PIN id, a user id). */
export function positiveInteger(value: unknown): number | undefined {
  const number =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\d{1,16}$/.test(value)
        ? Number(value)
        : NaN;
  return Number.isSafeInteger(number) && number > 0 ? number : undefined;
}

/** A flag as plex.tv and media servers write it: true, 1, '1' or 'true'; false, 0, '0', 'false' or ''; else null. */
export function toBoolean(raw: unknown): boolean | null {
  if (typeof raw === 'boolean') return raw;
  if (raw === 1 || raw === '1' || raw === 'true') return true;
  if (raw === 0 || raw === '0' || raw === 'false' || raw === '') return false;
  return null;
}
