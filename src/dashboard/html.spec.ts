import { html, query, raw, safeHttpUrl } from './html';

describe('the html tag escapes every value unless it is already html', () => {
  it('escapes text in content and in quoted attributes', () => {
    const name = `<img src=x onerror="alert('x')">&`;
    expect(html`<p title="${name}">${name}</p>`.value).toBe(
      '<p title="&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;&amp;">&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;&amp;</p>',
    );
  });

  it('keeps nested html, joins arrays (each item escaped) and leaves out null, undefined and false', () => {
    const items = ['<a>', html`<b>ok</b>`];
    const list = html`${items.map((i) => html`<li>${i}</li>`)}`;
    expect(list.value).toBe('<li>&lt;a&gt;</li><li><b>ok</b></li>');
    expect(html`${null}${undefined}${false}${0}`.value).toBe('0');
    expect(html`${raw('<br>')}`.value).toBe('<br>');
  });
});

describe('links and query strings from data', () => {
  it('links only http(s) URLs', () => {
    expect(safeHttpUrl('https://t.me/crier_test/5')).toBe('https://t.me/crier_test/5');
    expect(safeHttpUrl('javascript:alert(1)')).toBeNull();
    expect(safeHttpUrl(' JAVASCRIPT:alert(1)')).toBeNull();
    expect(safeHttpUrl('data:text/html,<b>')).toBeNull();
    expect(safeHttpUrl('not a url')).toBeNull();
    expect(safeHttpUrl(null)).toBeNull();
  });

  it('encodes values and leaves out empty ones', () => {
    expect(query({ q: 'a&b=c', tz: 'Europe/Berlin', status: undefined, account: '' })).toBe(
      '?q=a%26b%3Dc&tz=Europe%2FBerlin',
    );
    expect(query({ q: undefined })).toBe('');
  });
});
