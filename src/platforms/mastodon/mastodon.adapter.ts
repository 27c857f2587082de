import { countGraphemesUrl23 } from '../counting';
import { MastodonApi, MastodonFamilyAdapter } from '../mastodon-family/mastodon-family.base';
import { PlatformLimits, RemoteAccount } from '../platform';

/** Mastodon (§3.1): the baseline of the family. Every instance is self-hosted, so apiBaseUrl is required. */
export class MastodonAdapter extends MastodonFamilyAdapter {
  constructor() {
    super({
      id: 'mastodon',
      name: 'Mastodon',
      kind: 'Official REST API, self-hosted',
      defaultMaxLength: 500,
      counting: 'graphemes-url23',
      maxImages: 4,
      maxImageBytes: 16 * 1024 * 1024,
      mediaPath: '/api/v2/media',
      idempotent: true,
    });
  }

  measure(text: string): number {
    return countGraphemesUrl23(text);
  }

  /** The instance's own max_characters, learned by verify, wins over the 500 default. */
  override limits(remote?: RemoteAccount | null): PlatformLimits {
    const max = remote?.maxCharacters;
    const base = super.limits(remote);
    return typeof max === 'number' && max > 0 ? { ...base, maxLength: max } : base;
  }

  /** Reads the instance limit. An instance without /api/v2/instance (old or fork) keeps the default. */
  protected override async accountFacts(api: MastodonApi): Promise<Partial<RemoteAccount>> {
    const res = await api.send('GET', '/api/v2/instance', { phase: 'verify' });
    if (res.status !== 200 || !res.json || typeof res.json !== 'object') return {};
    const config = (res.json as { configuration?: { statuses?: { max_characters?: unknown } } }).configuration;
    const max = config?.statuses?.max_characters;
    return typeof max === 'number' && max > 0 ? { maxCharacters: max } : {};
  }
}
