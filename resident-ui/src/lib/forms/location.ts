/**
 * The location item's picker without map tiles (none are reachable from a LIFF page offline, and
 * a tile service would see residents' positions): the area the form accepts (its geofence) drawn
 * as a plain SVG, a point picked on it by tap, click or arrow keys, the phone's position, or
 * coordinates typed or pasted from a map app. Pure projection and parsing.
 */
import type { Geofence, LatLng } from '@tsunagu/server/contracts';

export interface Box {
  south: number;
  west: number;
  north: number;
  east: number;
}

const METRES_PER_DEGREE = 111_320;

/** Reads 「35.0656, 136.6838」 (also full-width, 「北緯35.0656 東経136.6838」, a space between). */
export function parseCoordinates(text: string): LatLng | null {
  const s = text
    .normalize('NFKC')
    .replace(/北緯|東経|緯度|経度|[:°]/g, ' ')
    .trim();
  const m = /^([+-]?\d{1,2}(?:\.\d+)?)\s*[,、\s]\s*([+-]?\d{1,3}(?:\.\d+)?)$/.exec(s);
  if (!m) return null;
  const lat = Number(m[1]);
  const lng = Number(m[2]);
  if (!Number.isFinite(lat) || !Number.isFinite(lng) || Math.abs(lat) > 90 || Math.abs(lng) > 180)
    return null;
  return { lat, lng };
}

/** Points of a fence's outline (a circle as a 72-gon), for drawing and for the box. */
export function fenceOutline(fence: Geofence): LatLng[] {
  if (fence.kind === 'polygon') return fence.points;
  const { center, radiusM } = fence;
  const dLat = radiusM / METRES_PER_DEGREE;
  const dLng = radiusM / (METRES_PER_DEGREE * Math.cos((center.lat * Math.PI) / 180));
  return Array.from({ length: 72 }, (_, i) => {
    const a = (i / 72) * 2 * Math.PI;
    return { lat: center.lat + dLat * Math.sin(a), lng: center.lng + dLng * Math.cos(a) };
  });
}

/** The area to draw: the fence with a margin of 15% around it. */
export function boxAround(points: readonly LatLng[]): Box {
  const lats = points.map((p) => p.lat);
  const lngs = points.map((p) => p.lng);
  const south = Math.min(...lats);
  const north = Math.max(...lats);
  const west = Math.min(...lngs);
  const east = Math.max(...lngs);
  const padLat = Math.max((north - south) * 0.15, 0.001);
  const padLng = Math.max((east - west) * 0.15, 0.001);
  return { south: south - padLat, north: north + padLat, west: west - padLng, east: east + padLng };
}

/**
 * The SVG's size for a box: 1000 units wide, as tall as the box is on the ground (longitude
 * degrees shrink with the cosine of the latitude), so a circle looks round.
 */
export function viewSize(box: Box): { width: number; height: number } {
  const midLat = (box.north + box.south) / 2;
  const ground = ((box.east - box.west) * Math.cos((midLat * Math.PI) / 180)) / (box.north - box.south);
  return { width: 1000, height: Math.round(1000 / ground) };
}

export function toView(
  p: LatLng,
  box: Box,
  size: { width: number; height: number },
): { x: number; y: number } {
  return {
    x: ((p.lng - box.west) / (box.east - box.west)) * size.width,
    y: ((box.north - p.lat) / (box.north - box.south)) * size.height,
  };
}

/** A point of the SVG back to coordinates (rounded to 6 decimals, about 10 cm). */
export function fromView(x: number, y: number, box: Box, size: { width: number; height: number }): LatLng {
  const round = (n: number) => Math.round(n * 1e6) / 1e6;
  return {
    lat: round(box.north - (y / size.height) * (box.north - box.south)),
    lng: round(box.west + (x / size.width) * (box.east - box.west)),
  };
}

/** One press of an arrow key moves the point by 2% of the area. */
export function nudge(p: LatLng, key: string, box: Box): LatLng | null {
  const stepLat = (box.north - box.south) / 50;
  const stepLng = (box.east - box.west) / 50;
  const round = (n: number) => Math.round(n * 1e6) / 1e6;
  switch (key) {
    case 'ArrowUp':
      return { lat: round(p.lat + stepLat), lng: p.lng };
    case 'ArrowDown':
      return { lat: round(p.lat - stepLat), lng: p.lng };
    case 'ArrowLeft':
      return { lat: p.lat, lng: round(p.lng - stepLng) };
    case 'ArrowRight':
      return { lat: p.lat, lng: round(p.lng + stepLng) };
    default:
      return null;
  }
}

/** The middle of a fence: where the point starts when the resident first uses the keys. */
export function fenceCentre(fence: Geofence): LatLng {
  if (fence.kind === 'circle') return fence.center;
  const box = boxAround(fence.points);
  return { lat: (box.north + box.south) / 2, lng: (box.east + box.west) / 2 };
}
