import { insideGeofence, type Geofence } from '@tsunagu/server/contracts';
import { describe, expect, it } from 'vitest';
import {
  boxAround,
  fenceCentre,
  fenceOutline,
  fromView,
  nudge,
  parseCoordinates,
  toView,
  viewSize,
} from './location.ts';

const kuwana: Geofence = { kind: 'circle', center: { lat: 35.0656, lng: 136.6838 }, radiusM: 5000 };

describe('the place picker', () => {
  it('reads coordinates as people paste or type them', () => {
    expect(parseCoordinates('35.0656, 136.6838')).toEqual({ lat: 35.0656, lng: 136.6838 });
    expect(parseCoordinates('３５．０６５６，１３６．６８３８')).toEqual({ lat: 35.0656, lng: 136.6838 });
    expect(parseCoordinates('北緯35.0656 東経136.6838')).toEqual({ lat: 35.0656, lng: 136.6838 });
    expect(parseCoordinates('35.0656 136.6838')).toEqual({ lat: 35.0656, lng: 136.6838 });
    expect(parseCoordinates('桑名駅')).toBeNull();
    expect(parseCoordinates('95, 136')).toBeNull();
  });

  it('draws the area with a margin, round on the ground, and maps taps back to places', () => {
    const outline = fenceOutline(kuwana);
    expect(outline).toHaveLength(72);
    for (const p of outline) expect(insideGeofence(p, { ...kuwana, radiusM: 5001 })).toBe(true);
    const box = boxAround(outline);
    expect(box.south).toBeLessThan(35.0656 - 0.045);
    const size = viewSize(box);
    expect(size.width).toBe(1000);
    expect(Math.abs(size.height - 1000)).toBeLessThan(20);
    const centre = toView(kuwana.center, box, size);
    expect(centre.x).toBeCloseTo(500, 0);
    expect(fromView(centre.x, centre.y, box, size)).toEqual({ lat: 35.0656, lng: 136.6838 });
    expect(fromView(0, 0, box, size).lat).toBeCloseTo(box.north, 6);
  });

  it('moves the point by a fiftieth of the area per button', () => {
    const box = boxAround(fenceOutline(kuwana));
    const up = nudge(kuwana.center, 'ArrowUp', box)!;
    expect(up.lat).toBeGreaterThan(35.0656);
    expect(up.lng).toBe(136.6838);
    expect(nudge(kuwana.center, 'ArrowLeft', box)!.lng).toBeLessThan(136.6838);
    expect(nudge(kuwana.center, 'Enter', box)).toBeNull();
    expect(fenceCentre(kuwana)).toEqual(kuwana.center);
    const square: Geofence = {
      kind: 'polygon',
      points: [
        { lat: 35, lng: 136 },
        { lat: 35, lng: 137 },
        { lat: 36, lng: 137 },
        { lat: 36, lng: 136 },
      ],
    };
    expect(fenceCentre(square)).toEqual({ lat: 35.5, lng: 136.5 });
  });
});
