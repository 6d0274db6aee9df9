import { sliFigures } from './sli';

describe('sliFigures', () => {
  it('reports three nines for one inconsistent sample in a thousand', () => {
    expect(sliFigures({ consistent: 999, inconsistent: 1 })).toMatchObject({ ratio: 0.999, nines: 3, samples: 1000 });
  });

  it('caps the nines at what the sample count can show', () => {
    expect(sliFigures({ consistent: 100 })).toMatchObject({ ratio: 1, nines: 2 });
  });

  it('leaves absent samples out of the ratio', () => {
    expect(sliFigures({ consistent: 9, inconsistent: 1, absent: 90 })).toMatchObject({ ratio: 0.9, nines: 1, samples: 100 });
  });

  it('is neutral with no samples', () => {
    expect(sliFigures({})).toEqual({ samples: 0, consistent: 0, inconsistent: 0, absent: 0, ratio: 1, nines: 0 });
  });
});
