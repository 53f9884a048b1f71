import { app } from '@azure/functions';
import { closeServiceResources } from '../src/service/service-context.js';

// The worker is being shut down: close the state store (and its pools) instead of leaving them to die.
app.hook.appTerminate(async () => {
  await closeServiceResources();
});
