import { decodeXmlText, firstImageSrc, htmlToPlain, startTags } from './html-text';

/** Milliseconds `f` takes; the budgets below are ~100× what a linear scan needs, so a loaded machine passes. */
function timed(f: () => unknown): number {
  const started = performance.now();
  f();
  return performance.now() - started;
}

describe('htmlToPlain', () => {
  it('drops tags, comments, scripts and styles, unwraps CDATA and decodes references', () => {
    expect(
      htmlToPlain('<p>Council&#8217;s <b>vote</b></p><script type="x">alert("<p>")</script><STYLE>p{}</Style>'),
    ).toBe('Council’s vote');
    expect(htmlToPlain('<![CDATA[<em>Breaking</em> &amp; more]]> news<!-- a > b --> today')).toBe(
      'Breaking & more news today',
    );
    expect(htmlToPlain('a &lt;b&gt; c')).toBe('a <b> c');
  });

  it('keeps a `<` that never closes, and an unclosed script or CDATA, as the regular expressions did', () => {
    expect(htmlToPlain('1 < 2 and 3 <4')).toBe('1 < 2 and 3 <4');
    expect(htmlToPlain('<script>x')).toBe('x');
    expect(htmlToPlain('<![CDATA[a')).toBe('<![CDATA[a');
    expect(htmlToPlain('<scripts>x</scripts>')).toBe('x');
  });

  it.each([
    ['<script', '<script'],
    ['<style', '<style '],
    ['CDATA', '<![CDATA['],
    ['bare <', '<'],
    ['comments', '<!--'],
    ['<script>…</scrip', '<script></scrip'],
  ])('stays linear on 1 MiB of unclosed %s', (_name, unit) => {
    const poison = unit.repeat(Math.ceil((1 << 20) / unit.length));
    expect(timed(() => htmlToPlain(poison))).toBeLessThan(2000);
  });
});

describe('decodeXmlText', () => {
  it('unwraps CDATA and decodes only the XML references outside it', () => {
    expect(decodeXmlText('&lt;p&gt;a &amp;eacute; <![CDATA[<b>&amp;</b>]]>')).toBe('<p>a &eacute; <b>&amp;</b>');
  });

  it('stays linear on 1 MiB of unclosed CDATA', () => {
    expect(timed(() => decodeXmlText('<![CDATA['.repeat(120_000)))).toBeLessThan(2000);
  });
});

describe('firstImageSrc and startTags', () => {
  it('finds the first non-empty src, quoted or not, with `>` inside a quoted value', () => {
    expect(firstImageSrc('<p><IMG alt="a > b" SRC="https://x.example/a.jpg?w=1&amp;h=2"></p>')).toBe(
      'https://x.example/a.jpg?w=1&h=2',
    );
    expect(firstImageSrc("<img src=''><img data-x src=/b.png>")).toBe('/b.png');
    expect(firstImageSrc('<imgx src="/no.png"><p>none</p>')).toBeNull();
  });

  it('reads every attribute of every tag', () => {
    const tags = [...startTags('<link rel="alternate" type=application/rss+xml href=\'/f\'/><LINK Rel=x>', 'link')];
    expect(tags.map((t) => Object.fromEntries(t))).toEqual([
      { rel: 'alternate', type: 'application/rss+xml', href: '/f' },
      { rel: 'x' },
    ]);
  });

  it.each(['<img', '<img src="', '<img src=x '])('stays linear on 1 MiB of %s', (unit) => {
    const poison = unit.repeat(Math.ceil((1 << 20) / unit.length));
    expect(timed(() => firstImageSrc(poison))).toBeLessThan(2000);
  });
});
