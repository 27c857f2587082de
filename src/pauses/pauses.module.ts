import type { Provider, Type } from '@nestjs/common';
import { PausesController } from './pauses.controller';
import { PausesRepository } from './pauses.repository';
import { PausesService } from './pauses.service';

/**
 * Pauses, as AppModule wires them: the service and its repository in both roles (the worker's sweep asks which
 * accounts are paused), the controller in the API role. Not a Nest module of its own: PausesService needs the
 * delivery state service and the accounts repository, which AppModule provides, and the dashboard reaches every
 * service through `app.get(PausesService)`.
 */
export const PausesModule = {
  providers: [PausesRepository, PausesService] as Provider[],
  controllers: [PausesController] as Type[],
};
