import { newSecret, SECRET_PREFIX, secretProblem, sign, signedHeaders, verify } from './webhook-signature';

describe('Standard Webhooks signatures', () => {
  // The specification's published test vector (reproduced by its reference libraries).
  const VECTOR = {
    secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
    timestamp: 1614265330,
    body: '{"test": 2432232314}',
    signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
  };

  it('reproduces the specification test vector exactly', () => {
    expect(sign(VECTOR.secret, VECTOR.id, VECTOR.timestamp, VECTOR.body)).toBe(VECTOR.signature);
    expect(signedHeaders(VECTOR.secret, VECTOR.id, VECTOR.timestamp, VECTOR.body)).toEqual({
      'webhook-id': VECTOR.id,
      'webhook-timestamp': '1614265330',
      'webhook-signature': VECTOR.signature,
    });
  });

  it('verifies the vector, with several signatures in the header, and refuses any change', () => {
    const h = { id: VECTOR.id, timestamp: String(VECTOR.timestamp), signature: VECTOR.signature };
    expect(verify(VECTOR.secret, h, VECTOR.body, VECTOR.timestamp)).toBe(true);
    expect(
      verify(VECTOR.secret, { ...h, signature: `v1,bm9wZQ== ${VECTOR.signature}` }, VECTOR.body, VECTOR.timestamp),
    ).toBe(true);
    expect(verify(VECTOR.secret, h, '{"test": 2432232315}', VECTOR.timestamp)).toBe(false);
    expect(verify(VECTOR.secret, { ...h, id: 'msg_other' }, VECTOR.body, VECTOR.timestamp)).toBe(false);
    expect(verify(newSecret(), h, VECTOR.body, VECTOR.timestamp)).toBe(false);
    // Outside the tolerance: a replayed old request.
    expect(verify(VECTOR.secret, h, VECTOR.body, VECTOR.timestamp + 301)).toBe(false);
  });

  it('makes whsec_ secrets of 32 random bytes, each different', () => {
    const a = newSecret();
    expect(a.startsWith(SECRET_PREFIX)).toBe(true);
    expect(Buffer.from(a.slice(SECRET_PREFIX.length), 'base64')).toHaveLength(32);
    expect(newSecret()).not.toBe(a);
  });

  it('accepts a given secret only as whsec_ + base64 of 24 to 64 bytes (what Crier makes, the spec vector)', () => {
    expect(secretProblem(newSecret())).toBeNull();
    expect(secretProblem(VECTOR.secret)).toBeNull();
    expect(secretProblem(SECRET_PREFIX + Buffer.alloc(64, 1).toString('base64'))).toBeNull();
    // Padding may be left out, as some libraries do.
    expect(secretProblem(newSecret().replace(/=+$/, ''))).toBeNull();
    expect(secretProblem('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')).toMatch(/^must be a Standard Webhooks secret: whsec_/);
    expect(secretProblem('whsec_')).toMatch(/followed by base64/);
    expect(secretProblem('whsec_not base64 at all!!')).toMatch(/followed by base64/);
    expect(secretProblem(SECRET_PREFIX + Buffer.alloc(16, 1).toString('base64'))).toMatch(/24 to 64 bytes \(not 16\)/);
    expect(secretProblem(SECRET_PREFIX + Buffer.alloc(65, 1).toString('base64'))).toMatch(/\(not 65\)/);
  });
});
