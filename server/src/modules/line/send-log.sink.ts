import { withTenant } from '../../platform/db/tenant-context.js';
import { logger } from '../../platform/log/logger.js';
import type { SendLogEntry, SendLogSink } from '../../platform/line/send-log.js';
import type { ChannelKind } from './channels.service.js';

/**
 * Stores the gateway's send records in line_send_log, each in its own short tenant transaction:
 * a delivery whose transaction rolls back still leaves the record of what LINE was sent.
 * A failure to record is logged and never fails the send.
 */
export function databaseSendLogSink(tenantId: string, channelKind: ChannelKind): SendLogSink {
  return {
    async record(e: SendLogEntry) {
      try {
        await withTenant(tenantId, (m) =>
          m.query(
            `insert into line_send_log (tenant_id, channel_kind, channel_key, endpoint, retry_key, request_id, accepted_request_id,
                                        recipients, messages, status, attempts, error, ref, started_at, finished_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
            [
              tenantId,
              channelKind,
              e.channelKey,
              e.endpoint,
              e.retryKey,
              e.requestId,
              e.acceptedRequestId,
              e.recipients,
              e.messages,
              e.status,
              e.attempts,
              e.error ? JSON.stringify(e.error) : null,
              e.ref,
              e.startedAt,
              e.finishedAt,
            ],
          ),
        );
      } catch (err) {
        logger.error({ err, endpoint: e.endpoint, status: e.status }, 'could not record a LINE send');
      }
    },
  };
}
