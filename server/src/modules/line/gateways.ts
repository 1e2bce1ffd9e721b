import { withTenant } from '../../platform/db/tenant-context.js';
import { HttpError } from '../../platform/http/errors.js';
import { createLineGateway, type LineGateway } from '../../platform/line/gateway.js';
import { findChannel, type ChannelKind } from './channels.service.js';
import { databaseSendLogSink } from './send-log.sink.js';

/**
 * The outbound gateway of one tenant's channel: its access token, the Redis-shared rate limits
 * of that channel, and the database send log. Every send of every module goes through one.
 */
export async function gatewayFor(tenantId: string, kind: ChannelKind): Promise<LineGateway> {
  const channel = await withTenant(tenantId, (m) => findChannel(m, kind));
  if (!channel) {
    throw new HttpError(
      409,
      kind === 'test' ? 'テスト用のLINEチャネルが設定されていません' : 'LINEチャネルが設定されていません',
    );
  }
  return createLineGateway({
    channelKey: channel.channelId,
    channelAccessToken: channel.accessToken,
    sink: databaseSendLogSink(tenantId, kind),
  });
}
