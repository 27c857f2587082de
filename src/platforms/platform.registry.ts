import { FacebookAdapter } from './facebook/facebook.adapter';
import { GabAdapter } from './gab/gab.adapter';
import { GabTvAdapter } from './gabtv/gabtv.adapter';
import { GettrAdapter } from './gettr/gettr.adapter';
import { MastodonAdapter } from './mastodon/mastodon.adapter';
import { MindsAdapter } from './minds/minds.adapter';
import { PLATFORM_IDS, PlatformAdapter, PlatformId } from './platform';
import { TelegramAdapter } from './telegram/telegram.adapter';
import { RumbleAdapter } from './rumble/rumble.adapter';
import { TruthSocialAdapter } from './truthsocial/truthsocial.adapter';
import { XAdapter } from './x/x.adapter';

/** Every adapter, one line each. Adapters are stateless, so one instance serves every account. */
export const ADAPTERS: readonly PlatformAdapter[] = [
  new TelegramAdapter(),
  new MastodonAdapter(),
  new GabAdapter(),
  new TruthSocialAdapter(),
  new GabTvAdapter(),
  new XAdapter(),
  new FacebookAdapter(),
  new MindsAdapter(),
  new GettrAdapter(),
  new RumbleAdapter(),
];

/** Throws when an id has two adapters (a copy-paste slip would otherwise silently shadow one). */
export function checkRegistry(adapters: readonly PlatformAdapter[] = ADAPTERS): void {
  const seen = new Set<string>();
  for (const a of adapters) {
    if (seen.has(a.id)) throw new Error(`platform registry: two adapters for "${a.id}"`);
    seen.add(a.id);
  }
  const missing = PLATFORM_IDS.filter((id) => !seen.has(id));
  if (missing.length > 0) throw new Error(`platform registry: no adapter for ${missing.join(', ')}`);
}

export function findAdapter(id: string): PlatformAdapter | undefined {
  return ADAPTERS.find((a) => a.id === id);
}

export function getAdapter(id: PlatformId): PlatformAdapter {
  const adapter = findAdapter(id);
  if (!adapter) throw new Error(`no adapter for platform "${id}"`);
  return adapter;
}
