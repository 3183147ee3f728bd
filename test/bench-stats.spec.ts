import assert from 'node:assert/strict';
import { combine, median, showDifference, spread, verdict } from '../bench/stats';

describe('benchmark statistics', () => {
  it('takes the median of odd and even counts, NaN of none', () => {
    assert.equal(median([5, 1, 3]), 3);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.ok(Number.isNaN(median([])));
  });

  it('says "within noise" instead of a signed difference when the ranges overlap', () => {
    const without = { label: 'without', spread: spread([500, 560, 610]) };
    const withPackage = { label: 'with', spread: spread([540, 575, 640]) };
    assert.equal(
      showDifference(without, withPackage),
      'within noise (without 500–610, with 540–640 ms)',
    );
  });

  it('gives the difference of the medians, either sign, when the ranges are apart', () => {
    const low = { label: 'low', spread: spread([100, 110, 120]) };
    const high = { label: 'high', spread: spread([150, 160, 170]) };
    assert.equal(showDifference(low, high), '+50 ms (low 100–120, high 150–170 ms)');
    assert.equal(showDifference(high, low), '−50 ms (high 150–170, low 100–120 ms)');
  });

  it('holds a target only when every sample meets it, misses it only when none does, and says when there was no sample', () => {
    const under20 = (v: number) => v < 20;
    assert.equal(verdict([3, 5, 8], under20), 'held');
    assert.equal(verdict([30, 45], under20), 'MISSED');
    assert.equal(verdict([5, 25], under20), 'within noise');
    assert.equal(verdict([], under20), 'not measured');
  });

  it('misses a target judged row by row when any row missed it, holds it when all held', () => {
    assert.equal(combine(['held', 'MISSED']), 'MISSED');
    assert.equal(combine(['held', 'within noise']), 'within noise');
    assert.equal(combine(['held', 'held', 'not measured']), 'held');
    assert.equal(combine(['not measured']), 'not measured');
  });
});
