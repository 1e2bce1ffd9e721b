import { notFound } from '../http/line-error.js';
import type { Ctx, Endpoints } from './types.js';

/** The bot's own info and its webhook URL (which the product may set and test through the API). */

async function testWebhook(ctx: Ctx) {
  const url = ctx.body?.endpoint ?? ctx.channel.config.webhookUrl;
  if (!url) throw notFound('webhook endpoint is not set');
  const d = await ctx.webhooks.post(ctx.channel, [], { url, retries: 0 });
  return {
    body: {
      success: d.status >= 200 && d.status < 300,
      timestamp: new Date(d.at).toISOString(),
      statusCode: d.status,
      reason:
        d.status >= 200 && d.status < 300 ? 'OK' : d.status === 0 ? 'COULD_NOT_CONNECT' : 'ERROR_STATUS_CODE',
      detail: d.error ?? String(d.status),
    },
  };
}

export const channelEndpoints: Endpoints = {
  getBotInfo: {
    handle: ({ channel: { config } }) => ({
      body: {
        userId: config.botUserId,
        basicId: config.basicId,
        displayName: config.name,
        ...(config.pictureUrl ? { pictureUrl: config.pictureUrl } : {}),
        chatMode: 'bot',
        markAsReadMode: 'auto',
      },
    }),
  },
  getWebhookEndpoint: {
    handle: ({ channel: { config } }) => {
      if (!config.webhookUrl) throw notFound('webhook endpoint is not set');
      return { body: { endpoint: config.webhookUrl, active: config.webhookActive } };
    },
  },
  setWebhookEndpoint: {
    handle: ({ channel, body }) => {
      channel.config.webhookUrl = body.endpoint;
      return { body: {} };
    },
  },
  testWebhookEndpoint: { handle: testWebhook },
  showLoadingAnimation: { handle: () => ({ status: 202, body: {} }) },
};
