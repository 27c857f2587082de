import type { Request, Router } from 'express';
import { IANAZone } from 'luxon';
import type { FeedsService } from '../feeds/feeds.service';
import type { DashboardRepository } from './dashboard.repository';
import type { DashboardSessions } from './session';
import { contextOf } from './sign-in.routes';
import { FeedModel, feedLive, feedPage, FeedsModel, feedsLive, feedsPage } from './views/feeds.view';

/** Items a feed's page shows at most, the newest (the API pages up to 200). */
export const FEED_ITEMS_SHOWN = 100;

export interface FeedsDeps {
  feeds: FeedsService;
  repo: DashboardRepository;
  sessions: DashboardSessions;
}

function tzOf(req: Request): string {
  const tz = req.query.tz;
  return typeof tz === 'string' && IANAZone.isValidZone(tz) ? tz : 'UTC';
}

async function feedsModel(deps: FeedsDeps, req: Request): Promise<FeedsModel> {
  const [feeds, accounts] = await Promise.all([deps.feeds.list(), deps.repo.accounts()]);
  return { feeds, accounts, tz: tzOf(req), now: new Date(), tzGiven: typeof req.query.tz === 'string' };
}

/** A feed and its newest items; an unknown or malformed id is the service's 404. */
async function feedModel(deps: FeedsDeps, req: Request): Promise<FeedModel> {
  const id = String(req.params.id);
  const [feed, items, accounts] = await Promise.all([
    deps.feeds.get(id),
    deps.feeds.items(id, FEED_ITEMS_SHOWN),
    deps.repo.accounts(),
  ]);
  return {
    feed,
    feeds: [feed],
    items,
    accounts,
    limit: FEED_ITEMS_SHOWN,
    tz: tzOf(req),
    now: new Date(),
    tzGiven: typeof req.query.tz === 'string',
  };
}

/** GET /dashboard/feeds, /dashboard/feeds/:id and their live regions: reads only, through FeedsService. */
export function addFeeds(r: Router, deps: FeedsDeps): void {
  r.get('/feeds', async (req, res) => {
    res.type('html').send(feedsPage(await feedsModel(deps, req), contextOf(res, deps.sessions)));
  });

  r.get('/feeds/live', async (req, res) => {
    res.type('html').send(feedsLive(await feedsModel(deps, req)).value);
  });

  r.get('/feeds/:id', async (req, res) => {
    res.type('html').send(feedPage(await feedModel(deps, req), contextOf(res, deps.sessions)));
  });

  r.get('/feeds/:id/live', async (req, res) => {
    res.type('html').send(feedLive(await feedModel(deps, req)).value);
  });
}
