import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { config } from '../config/config.js';
import { currentTenantId, db } from '../db/tenant-context.js';

/**
 * Envelope encryption (DESIGN.md, data protection): each tenant has a random AES-256-GCM data
 * key, stored only wrapped by the master key. Destroying the wrapped key makes every field the
 * tenant encrypted unreadable (crypto-shredding at contract end, PLAT-11).
 * Ciphertext format: "v1:" + base64(iv(12) | tag(16) | ciphertext).
 */
function seal(key: Buffer, plaintext: Buffer, aad: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return 'v1:' + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
}

function open(key: Buffer, sealed: string, aad: string): Buffer {
  if (!sealed.startsWith('v1:')) throw new Error('unknown ciphertext version');
  const raw = Buffer.from(sealed.slice(3), 'base64');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
  decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]);
}

const unwrapped = new Map<string, Buffer>();

/**
 * Lookups in flight per transaction: a page decrypting fifty answers at once (Promise.all) asks the
 * database once, and never sends a second query on a connection that is busy with the first.
 */
const loading = new WeakMap<object, Map<string, Promise<Buffer>>>();

async function dataKey(): Promise<Buffer> {
  const tenantId = currentTenantId();
  const hit = unwrapped.get(tenantId);
  if (hit) return hit;
  const m = db();
  let inFlight = loading.get(m);
  if (!inFlight) loading.set(m, (inFlight = new Map()));
  const pending = inFlight.get(tenantId);
  if (pending) return pending;
  const load = loadDataKey(m, tenantId).finally(() => inFlight.delete(tenantId));
  inFlight.set(tenantId, load);
  return load;
}

async function loadDataKey(m: ReturnType<typeof db>, tenantId: string): Promise<Buffer> {
  const rows: Array<{ wrapped_key: Buffer | null; destroyed_at: Date | null }> = await m.query(
    'select wrapped_key, destroyed_at from tenant_data_key where tenant_id = $1',
    [tenantId],
  );
  let key: Buffer;
  const row = rows[0];
  if (row) {
    if (!row.wrapped_key || row.destroyed_at) throw new Error('the tenant data key was destroyed');
    key = open(config().masterKey, row.wrapped_key.toString(), `tenant-key:${tenantId}`);
  } else {
    key = randomBytes(32);
    const wrapped = seal(config().masterKey, key, `tenant-key:${tenantId}`);
    const inserted: unknown[] = await m.query(
      `insert into tenant_data_key (tenant_id, wrapped_key) values ($1, $2)
       on conflict (tenant_id) do nothing returning tenant_id`,
      [tenantId, Buffer.from(wrapped)],
    );
    // Another transaction created it first: use theirs.
    if (inserted.length === 0) return loadDataKey(m, tenantId);
  }
  unwrapped.set(tenantId, key);
  return key;
}

/** Encrypts a personal or secret field with the current tenant's data key. */
export async function encryptField(plaintext: string, purpose: string): Promise<string> {
  return seal(await dataKey(), Buffer.from(plaintext, 'utf8'), purpose);
}

export async function decryptField(sealed: string, purpose: string): Promise<string> {
  return open(await dataKey(), sealed, purpose).toString('utf8');
}

/** Test and shredding hook: forget unwrapped keys held in memory. */
export function forgetDataKeys(): void {
  unwrapped.clear();
}
