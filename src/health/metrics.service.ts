import { Injectable } from '@nestjs/common';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** Prometheus metrics of this process (prom-client: the standard Node client, with the text format built in). */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  readonly published = new Counter({
    name: 'crier_deliveries_published_total',
    help: 'Deliveries published, by platform',
    labelNames: ['platform'],
    registers: [this.registry],
  });
  readonly failed = new Counter({
    name: 'crier_deliveries_failed_total',
    help: 'Deliveries that ended failed or unconfirmed, by platform',
    labelNames: ['platform', 'status'],
    registers: [this.registry],
  });
  readonly retried = new Counter({
    name: 'crier_deliveries_retried_total',
    help: 'Delivery retries scheduled (transient failure or rate limit), by platform',
    labelNames: ['platform', 'reason'],
    registers: [this.registry],
  });
  readonly held = new Counter({
    name: 'crier_deliveries_held_total',
    help: 'Deliveries held because their account needs re-authentication, by platform',
    labelNames: ['platform'],
    registers: [this.registry],
  });
  readonly lateness = new Histogram({
    name: 'crier_publish_lateness_seconds',
    help: 'Published time minus scheduled time, by platform',
    labelNames: ['platform'],
    buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'crier_' });
  }
}
