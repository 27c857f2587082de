import { Writable } from 'node:stream';
import { createLogger, PinoNestLogger } from './logger';

/** What a log line looks like once written: the operator's console, a log shipper. */
function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger('trace', stream), text: () => lines.join('') };
}

describe('logging redaction', () => {
  const basic = Buffer.from('client-id:client-secret-value').toString('base64');

  it('censors secret-bearing keys, including their wire and configuration names', () => {
    const { logger, text } = capture();
    logger.warn(
      {
        request: { headers: { authorization: `Basic ${basic}` }, form: { access_token: 'tok-0123456789' } },
        config: { apiToken: 'api-token-0123456789', secretKey: 'key-0123456789' },
      },
      'platform call failed',
    );
    const out = text();
    for (const secret of [basic, 'tok-0123456789', 'api-token-0123456789', 'key-0123456789']) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain('platform call failed');
  });

  it('scrubs Basic and Bearer values and passwords in URLs from framework messages and traces', () => {
    const { logger, text } = capture();
    const nest = new PinoNestLogger(logger);
    nest.error(
      `request failed: Authorization: Basic ${basic}`,
      'Error: at redis://crier:redis-password@cache:6379 with Bearer abc.def',
    );
    nest.warn(`{"headers":{"Authorization":"basic ${basic}"}}`);
    const out = text();
    for (const secret of [basic, 'redis-password', 'abc.def']) expect(out).not.toContain(secret);
    expect(out).toContain('Basic [redacted]');
  });
});
