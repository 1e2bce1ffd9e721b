import { channelEndpoints } from './channel.js';
import { contentEndpoints } from './content.js';
import { insightEndpoints } from './insight.js';
import { messageEndpoints } from './messages.js';
import { richMenuAliasEndpoints } from './richmenu-alias.js';
import { richMenuLinkEndpoints } from './richmenu-links.js';
import { richMenuEndpoints } from './richmenu.js';
import type { Endpoints } from './types.js';
import { userEndpoints } from './users.js';

/** Every Messaging API operation the emulator serves, by the OpenAPI operationId. */
export const endpoints: Endpoints = {
  ...messageEndpoints,
  ...userEndpoints,
  ...channelEndpoints,
  ...contentEndpoints,
  ...richMenuEndpoints,
  ...richMenuLinkEndpoints,
  ...richMenuAliasEndpoints,
  ...insightEndpoints,
};
