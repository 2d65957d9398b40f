import { describe, expect, it } from 'vitest';
import { inOrderAhead } from '../../../functions/core/shared/inOrderAhead.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('inOrderAhead', () => {
  it('yields in item order with at most depth + 1 steps in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const out: number[] = [];
    // Later items finish first: order must still be the items'.
    for await (const n of inOrderAhead([1, 2, 3, 4, 5, 6, 7, 8], 3, async (n) => {
      most = Math.max(most, ++inFlight);
      await sleep(20 - n * 2);
      inFlight--;
      return n * 10;
    }))
      out.push(n);
    expect(out).toEqual([10, 20, 30, 40, 50, 60, 70, 80]);
    expect(most).toBe(4);
  });

  it('throws a step failure at its turn, after the results before it', async () => {
    const out: number[] = [];
    const run = async () => {
      for await (const n of inOrderAhead([1, 2, 3], 2, async (n) => {
        if (n === 2) throw new Error('step 2 failed');
        return n;
      }))
        out.push(n);
    };
    await expect(run()).rejects.toThrow('step 2 failed');
    expect(out).toEqual([1]);
  });
});
