import { lacksMediaRights } from './gabtv.adapter';

describe('lacksMediaRights', () => {
  const none = { is_pro: false, is_verified: false, is_donor: false, is_investor: false };

  it('is true only when all four flags are present and false', () => {
    expect(lacksMediaRights(none)).toBe(true);
    for (const flag of Object.keys(none)) expect(lacksMediaRights({ ...none, [flag]: true })).toBe(false);
  });

  it('does not hold an account when Gab leaves a flag out (the upload answer decides)', () => {
    expect(lacksMediaRights({})).toBe(false);
    expect(lacksMediaRights({ is_pro: false, is_verified: false })).toBe(false);
  });
});
