/**
 * Geofences of location items (AK 11-②: 「本市以外の位置は指定できないように制限できること」): a
 * circle around a point or a polygon such as a city's boundary. Pure arithmetic, no map library.
 */

export interface LatLng {
  lat: number;
  lng: number;
}

export type Geofence =
  { kind: 'circle'; center: LatLng; radiusM: number } | { kind: 'polygon'; points: LatLng[] };

const EARTH_RADIUS_M = 6371008.8;
const rad = (deg: number) => (deg * Math.PI) / 180;

/** Great-circle distance in metres (haversine; far more precise than a map pick needs). */
export function distanceM(a: LatLng, b: LatLng): number {
  const dLat = rad(b.lat - a.lat);
  const dLng = rad(b.lng - a.lng);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * Point in polygon by ray casting on latitude/longitude. A municipality is small enough for the
 * plane approximation; a point exactly on an edge may fall either way, which a map pick cannot
 * tell apart anyway.
 */
export function insidePolygon(p: LatLng, points: LatLng[]): boolean {
  let inside = false;
  for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
    const a = points[i]!;
    const b = points[j]!;
    if (a.lat > p.lat !== b.lat > p.lat) {
      const lngAt = ((b.lng - a.lng) * (p.lat - a.lat)) / (b.lat - a.lat) + a.lng;
      if (p.lng < lngAt) inside = !inside;
    }
  }
  return inside;
}

export function insideGeofence(p: LatLng, fence: Geofence): boolean {
  return fence.kind === 'circle'
    ? distanceM(p, fence.center) <= fence.radiusM
    : insidePolygon(p, fence.points);
}
