import type { EntityManager } from 'typeorm';
import { HttpError } from '../http/errors.js';

/** An ILIKE pattern that finds `text` anywhere, with %, _ and \ in it matched literally. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
}

interface PgError {
  code?: string;
  constraint?: string;
}

/**
 * Runs a write inside a savepoint so that a unique (23505) or foreign-key (23503) violation
 * becomes a 409 with a message staff can act on, and the surrounding transaction stays usable.
 * `unique` may look at the violated constraint's name to say which value is taken.
 */
export async function conflictsAs409<T>(
  m: EntityManager,
  messages: { unique?: string | ((constraint: string) => string); foreignKey?: string },
  write: () => Promise<T>,
): Promise<T> {
  const sp = `sp_${Math.random().toString(36).slice(2, 10)}`;
  await m.query(`savepoint ${sp}`);
  try {
    const out = await write();
    await m.query(`release savepoint ${sp}`);
    return out;
  } catch (e) {
    const err = e as PgError;
    const unique = err.code === '23505' && messages.unique;
    const fk = err.code === '23503' && messages.foreignKey;
    if (!unique && !fk) throw e;
    await m.query(`rollback to savepoint ${sp}`);
    const message = unique
      ? typeof messages.unique === 'function'
        ? messages.unique(err.constraint ?? '')
        : messages.unique!
      : messages.foreignKey!;
    throw new HttpError(409, message);
  }
}
