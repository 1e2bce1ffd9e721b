/**
 * Forms (issue 5): the versioned definition and the one logic engine shared by the builder's
 * preview, resident-ui and the server. Pure TypeScript + zod; see docs/decisions/0010-form-engine.md.
 */
export * from './definition.js';
export * from './engine.js';
export * from './postal.js';
export {
  ageOn,
  formatDateJa,
  isDateBound,
  isIsoDate,
  jstDate as formJstDate,
  parseDateInput,
  resolveDateBound,
  type IsoDate,
} from './dates.js';
export { distanceM, insideGeofence, insidePolygon, type Geofence, type LatLng } from './geo.js';
export {
  PREFECTURES,
  isPhoneNumber,
  normaliseEmail,
  normalisePhone,
  normalisePostalCode,
  parseNumberInput,
  postalDigits,
  toFullWidthKatakana,
  toHalfWidthAscii,
  type Prefecture,
} from './normalise.js';
export * from './links.js';
