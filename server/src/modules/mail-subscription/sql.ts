/**
 * Rows of an UPDATE … RETURNING: TypeORM answers UPDATE and DELETE with [rows, affected count]
 * (other statements with the rows alone). Same helper as the delivery engine's.
 */
export function updatedRows<T>(result: unknown): T[] {
  if (
    Array.isArray(result) &&
    result.length === 2 &&
    Array.isArray(result[0]) &&
    typeof result[1] === 'number'
  )
    return result[0] as T[];
  return result as T[];
}
