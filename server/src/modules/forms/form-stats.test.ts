import { describe, expect, it } from 'vitest';
import { histogramBins } from './form-stats.js';

describe('histogram bins of a number question', () => {
  it('picks a round width and starts on a multiple of it', () => {
    // Ages 18–87: bins of 10 from 10 (10〜19 … 80〜89).
    expect(histogramBins(18, 87, true)).toEqual({ start: 10, width: 10, bins: 8 });
    // Visits 0–12 a month: bins of 2.
    expect(histogramBins(0, 12, true)).toEqual({ start: 0, width: 2, bins: 7 });
    // Amounts up to 1,234,567 yen: bins of 200,000.
    expect(histogramBins(0, 1_234_567, true)).toEqual({ start: 0, width: 200_000, bins: 7 });
  });

  it('never splits whole numbers into fractions', () => {
    expect(histogramBins(1, 4, true)).toEqual({ start: 1, width: 1, bins: 4 });
  });

  it('uses decimal widths for decimal values, without binary noise', () => {
    expect(histogramBins(0.3, 1.9, false)).toEqual({ start: 0.2, width: 0.2, bins: 9 });
    expect(histogramBins(-2.5, 2.5, false)).toEqual({ start: -2.5, width: 0.5, bins: 11 });
  });

  it('keeps the maximum inside the last bin and makes one bin of a single value', () => {
    const { start, width, bins } = histogramBins(0, 100, true);
    expect(start + (bins - 1) * width).toBeLessThanOrEqual(100);
    expect(start + bins * width).toBeGreaterThan(100);
    expect(histogramBins(7, 7, true)).toEqual({ start: 7, width: 1, bins: 1 });
    expect(histogramBins(0.5, 0.5, false)).toEqual({ start: 0.5, width: 0, bins: 1 });
  });
});
