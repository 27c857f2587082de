import { PublishRequest } from '../platform';
import { tweetMatches, tweetTextKey } from './x.match';

const publishRequest = (over: Partial<PublishRequest>): PublishRequest => ({
  deliveryId: 'd1',
  text: '',
  article: null,
  attempt: 1,
  firstAttemptAt: new Date(),
  previousAmbiguous: false,
  ...over,
});

describe('tweetTextKey', () => {
  it('drops links (t.co or original), decodes X escapes, NFC and collapses spaces', () => {
    expect(tweetTextKey('Fish &amp; &lt;chips&gt;  https://t.co/abc123 today https://t.co/media')).toBe(
      'Fish & <chips> today',
    );
    expect(tweetTextKey('Fish & <chips>\nhttps://news.example.com/a?b=1 today')).toBe('Fish & <chips> today');
    expect(tweetTextKey('Cafe\u0301')).toBe('Café');
  });
});

describe('tweetMatches', () => {
  const req = publishRequest({ text: 'Crier ships https://news.example.com/launch' });

  it('matches the same words whatever happened to the links', () => {
    expect(tweetMatches({ text: 'Crier ships https://t.co/xyz' }, req)).toBe(true);
    expect(tweetMatches({ text: 'Crier ships more https://t.co/xyz' }, req)).toBe(false);
  });

  it('matches the article link in entities, ignoring a trailing slash', () => {
    const article = {
      url: 'https://news.example.com/a',
      title: 't',
      imageUrl: null,
      videoUrl: null,
      description: null,
    };
    const other = publishRequest({ text: 'different', article });
    expect(
      tweetMatches({ text: 'x', entities: { urls: [{ expanded_url: 'https://news.example.com/a/' }] } }, other),
    ).toBe(true);
    expect(
      tweetMatches({ text: 'x', entities: { urls: [{ expanded_url: 'https://news.example.com/b' }] } }, other),
    ).toBe(false);
  });
});
