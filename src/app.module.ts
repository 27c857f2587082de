import { DynamicModule, Module, Provider, Type } from '@nestjs/common';
import { AccountEvents } from './accounts/account-events';
import { AccountHealthRepository } from './accounts/account-health.repository';
import { AccountHealthService } from './accounts/account-health.service';
import { AccountsController } from './accounts/accounts.controller';
import { AccountsRepository } from './accounts/accounts.repository';
import { AccountsService } from './accounts/accounts.service';
import { CredentialCipher } from './accounts/credential-cipher';
import { CredentialRefreshService } from './accounts/credential-refresh.service';
import { ArticlesController } from './articles/articles.controller';
import { ArticlesRepository } from './articles/articles.repository';
import { ArticlesService } from './articles/articles.service';
import { ContentPool } from './articles/content-pool';
import { PreviewsService } from './articles/previews.service';
import { APP_CONFIG, AppConfig } from './config/config';
import { ConfigFileRepository } from './config-file/config-file.repository';
import { ConfigFileService } from './config-file/config-file.service';
import { DATABASE, Db } from './database/database';
import { LeasesRepository } from './database/leases.repository';
import { FeedIngestService } from './feeds/feed-ingest.service';
import { FeedPollService } from './feeds/feed-poll.service';
import { FeedPoller } from './feeds/feed-poller';
import { FeedReader } from './feeds/feed-reader';
import { FeedsController } from './feeds/feeds.controller';
import { FeedsRepository } from './feeds/feeds.repository';
import { FeedsService } from './feeds/feeds.service';
import { HealthController } from './health/health.controller';
import { PausesModule } from './pauses/pauses.module';
import { MetricsService } from './health/metrics.service';
import { AccountHoldsService } from './posts/account-holds.service';
import { DeliveriesController } from './posts/deliveries.controller';
import { DeliveriesRepository } from './posts/deliveries.repository';
import { DeliveriesService } from './posts/deliveries.service';
import { DeliveryStateRepository } from './posts/delivery-state.repository';
import { DeliveryStateService } from './posts/delivery-state.service';
import { PostsController } from './posts/posts.controller';
import { PostsRepository } from './posts/posts.repository';
import { PostsService } from './posts/posts.service';
import { BudgetsRepository } from './publishing/budgets.repository';
import { PublishService } from './publishing/publish.service';
import { PublishWorkers } from './publishing/publish.worker';
import { SweepService } from './publishing/sweep.service';
import { QueueService } from './queue/queue.service';
import { QueuesController } from './queue/queues.controller';
import { QueuesOverviewService } from './queue/queues-overview.service';
import { QueuesRepository } from './queue/queues.repository';
import { QUEUE_BACKEND, QueueBackend } from './queue/queue-backend';
import { RetentionRepository } from './retention/retention.repository';
import { RetentionService } from './retention/retention.service';
import { WebhookSenderService } from './webhooks/webhook-sender.service';
import { WebhookWorker } from './webhooks/webhook.worker';
import { WebhooksController } from './webhooks/webhooks.controller';
import { WebhooksRepository } from './webhooks/webhooks.repository';
import { WebhooksService } from './webhooks/webhooks.service';

export interface Infrastructure {
  config: AppConfig;
  db: Db;
  /** Where the queues live (queue-backend.ts): Queue and Worker are made by it. */
  queue: QueueBackend;
  secretKey: Buffer;
  /** CRIER_SECRET_KEY_PREVIOUS during a rotation: credentials under it are still read. */
  previousKeys?: Buffer[];
}

/**
 * One codebase, two roles (STYLE.md habit 9). Both roles share the domain services; the API role adds the
 * controllers, the worker role the queue workers and the sweep. Health and metrics are served by both.
 */
@Module({})
export class AppModule {
  static forRoot(infra: Infrastructure): DynamicModule {
    const { role } = infra.config;
    const api = role === 'api' || role === 'all';
    const worker = role === 'worker' || role === 'all';

    const shared: Provider[] = [
      { provide: APP_CONFIG, useValue: infra.config },
      { provide: DATABASE, useValue: infra.db },
      { provide: QUEUE_BACKEND, useValue: infra.queue },
      { provide: CredentialCipher, useValue: new CredentialCipher(infra.secretKey, infra.previousKeys) },
      MetricsService,
      AccountsRepository,
      ArticlesRepository,
      PostsRepository,
      QueueService,
      DeliveryStateRepository,
      DeliveryStateService,
      LeasesRepository,
      CredentialRefreshService,
      AccountsService,
      ArticlesService,
      PostsService,
      AccountHoldsService,
      { provide: AccountEvents, useExisting: AccountHoldsService },
      FeedsRepository,
      { provide: ContentPool, useFactory: () => new ContentPool() },
      {
        provide: FeedReader,
        useFactory: (config: AppConfig, content: ContentPool) => new FeedReader(config, {}, content),
        inject: [APP_CONFIG, ContentPool],
      },
      FeedIngestService,
      FeedPollService,
      FeedsService,
      ...PausesModule.providers,
      WebhooksRepository,
    ];
    const apiProviders: Provider[] = [
      PreviewsService,
      DeliveriesRepository,
      DeliveriesService,
      AccountHealthRepository,
      AccountHealthService,
      QueuesRepository,
      QueuesOverviewService,
      ConfigFileRepository,
      ConfigFileService,
      WebhooksService,
    ];
    const workerProviders: Provider[] = [
      BudgetsRepository,
      PublishService,
      PublishWorkers,
      SweepService,
      FeedPoller,
      RetentionRepository,
      RetentionService,
      WebhookSenderService,
      WebhookWorker,
    ];
    const controllers: Type[] = [HealthController];
    if (api)
      controllers.push(
        AccountsController,
        ArticlesController,
        PostsController,
        DeliveriesController,
        QueuesController,
        FeedsController,
        ...PausesModule.controllers,
        WebhooksController,
      );

    return {
      module: AppModule,
      controllers,
      providers: [...shared, ...(api ? apiProviders : []), ...(worker ? workerProviders : [])],
    };
  }
}
