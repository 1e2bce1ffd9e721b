import { describe, expect, it } from 'vitest';
import { chooseWinner } from './ab-decide.js';

describe('chooseWinner (DEL-12)', () => {
  it('picks the higher unique click rate, compared exactly', () => {
    expect(chooseWinner({ sent: 100, clickers: 5 }, { sent: 100, clickers: 30 })).toEqual({
      winner: 'b',
      reason: 'higher_rate',
    });
    expect(chooseWinner({ sent: 97, clickers: 10 }, { sent: 103, clickers: 10 })).toEqual({
      winner: 'a',
      reason: 'higher_rate',
    });
    // 1/3 and 2/6 are the same rate, whatever rounding would say.
    expect(chooseWinner({ sent: 3, clickers: 1 }, { sent: 6, clickers: 2 })).toEqual({
      winner: 'a',
      reason: 'tie',
    });
  });

  it('keeps A, the original, without clicks; a variant that reached nobody cannot win', () => {
    expect(chooseWinner({ sent: 100, clickers: 0 }, { sent: 90, clickers: 0 })).toEqual({
      winner: 'a',
      reason: 'no_clicks',
    });
    expect(chooseWinner({ sent: 0, clickers: 0 }, { sent: 90, clickers: 0 })).toEqual({
      winner: 'b',
      reason: 'other_not_sent',
    });
    expect(chooseWinner({ sent: 80, clickers: 0 }, { sent: 0, clickers: 0 })).toEqual({
      winner: 'a',
      reason: 'other_not_sent',
    });
    expect(chooseWinner({ sent: 0, clickers: 0 }, { sent: 0, clickers: 0 })).toEqual({
      winner: 'a',
      reason: 'no_clicks',
    });
  });
});
