import { PublishRequest } from '../platform';

/**
 * Pure helpers of the Minds adapter: the activity body, the guid of an answer and reconcile matching.
 */

/**
 * The engine runs `rawurldecode()` over `message`, `url`, `link_title` and `link_description` (Minds/engine
 * `Core/Feeds/Activity/Controller.php`), so a literal `%20` in a link would reach readers as a space. Escaping
 * every `%` as `%25` makes that decode return the text exactly as composed; nothing else changes.
 */
export function shieldPercent(text: string): string {
  return text.replace(/%/g, '%25');
}

export interface ActivityBody {
  message: string;
  access_id: number;
  attachment_guids?: string[];
  url?: string;
  link_title?: string;
  link_description?: string;
  link_thumbnail?: string;
}

/**
 * `PUT /api/v3/newsfeed/activity` body. With an attachment the link card fields are ignored by Minds, so they are
 * left out (the composed text already carries the link). Link fields are always strings: the engine passes them
 * to typed setters, where a missing one would be a null.
 */
export function activityBody(req: PublishRequest, attachmentGuids: string[]): ActivityBody {
  // 2 = public (access_id); scheduling fields are never sent (Crier's queue schedules).
  const body: ActivityBody = { message: shieldPercent(req.text), access_id: 2 };
  if (attachmentGuids.length) return { ...body, attachment_guids: attachmentGuids };
  const a = req.article;
  if (!a?.url) return body;
  return {
    ...body,
    url: shieldPercent(a.url),
    link_title: shieldPercent(a.title ?? ''),
    link_description: shieldPercent(a.description ?? ''),
    link_thumbnail: a.imageUrl ?? '',
  };
}

/**
 * The top-level `guid` of an answer. Minds exports guids as strings; should one come as a JSON number beyond 2^53,
 * the digits are read from the raw text so the id is not rounded.
 */
export function guidOf(json: unknown, rawText: string): string | null {
  const guid = json && typeof json === 'object' ? (json as { guid?: unknown }).guid : undefined;
  if (typeof guid === 'string') return guid.trim() || null;
  if (typeof guid !== 'number' || !Number.isFinite(guid)) return null;
  if (Number.isSafeInteger(guid)) return String(guid);
  for (const m of rawText.matchAll(/"guid"\s*:\s*(\d+)/g)) if (Number(m[1]) === guid) return m[1];
  return null;
}

/** What a feed entry of `GET /api/v2/feeds/container/{guid}/activities` carries that reconcile reads. */
export interface FeedActivity {
  guid?: unknown;
  message?: unknown;
  perma_url?: unknown;
  time_created?: unknown;
}

/** Feed entries come bare or wrapped as `{entity: …}` depending on the engine version. */
export function feedActivities(entities: unknown[]): FeedActivity[] {
  return entities
    .map((e) => (e && typeof e === 'object' && 'entity' in e ? (e as { entity: unknown }).entity : e))
    .filter((e): e is FeedActivity => !!e && typeof e === 'object');
}

/** `time_created` (Unix seconds, string or number) as epoch ms, or NaN. */
export function createdAtMs(a: FeedActivity): number {
  const t = typeof a.time_created === 'string' ? Number(a.time_created) : a.time_created;
  return typeof t === 'number' && Number.isFinite(t) ? t * 1000 : NaN;
}

export function normaliseText(text: string): string {
  return text.normalize('NFC').replace(/\s+/g, ' ').trim();
}

const stripSlash = (url: string) => url.replace(/\/+$/, '');

/** The activity carries this delivery's text, or links (card or text) the article. */
export function activityMatches(a: FeedActivity, req: PublishRequest): boolean {
  const message = typeof a.message === 'string' ? normaliseText(a.message) : '';
  const wanted = normaliseText(req.text);
  if (wanted && message && (message === wanted || message.includes(wanted))) return true;
  const link = req.article?.url ? stripSlash(req.article.url) : '';
  if (!link) return false;
  const card = typeof a.perma_url === 'string' ? stripSlash(a.perma_url) : '';
  return card === link || message.includes(link);
}
