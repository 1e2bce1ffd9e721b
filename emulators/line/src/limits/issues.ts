import type { ErrorDetail } from '../http/line-error.js';

/**
 * Collects LINE-style validation details while walking a request. Wording follows LINE's
 * ("must be specified", "Length must be between 0 and 5000", "Size must be between 1 and 5").
 */
export class Issues {
  readonly list: ErrorDetail[] = [];

  add(property: string, message: string): void {
    this.list.push({ property, message });
  }

  /** A required string of at most `max` UTF-16 units (JS string length is UTF-16, as LINE counts). */
  text(property: string, value: unknown, max: number, opts: { required?: boolean; min?: number } = {}): void {
    if (value === undefined || value === null) {
      if (opts.required) this.add(property, 'must be specified');
      return;
    }
    if (typeof value !== 'string') return this.add(property, 'Invalid value');
    const min = opts.min ?? (opts.required ? 1 : 0);
    if (value.length < min || value.length > max)
      this.add(property, `Length must be between ${min} and ${max}`);
  }

  size(property: string, value: unknown, min: number, max: number, required = true): void {
    if (!Array.isArray(value)) {
      if (required) this.add(property, 'must be specified');
      return;
    }
    if (value.length < min || value.length > max)
      this.add(property, `Size must be between ${min} and ${max}`);
  }

  /** An HTTPS URL of at most `max` characters (LINE refuses http for images, videos and icons). */
  httpsUrl(property: string, value: unknown, max = 2000, required = true): void {
    if (value === undefined) {
      if (required) this.add(property, 'must be specified');
      return;
    }
    if (typeof value !== 'string' || !/^https:\/\/\S+$/.test(value))
      return this.add(property, 'Must be a valid HTTPS URL');
    if (value.length > max) this.add(property, `Length must be between 0 and ${max}`);
  }

  get ok(): boolean {
    return this.list.length === 0;
  }
}

export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
