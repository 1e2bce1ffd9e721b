import { randomBytes } from 'node:crypto';
import express from 'express';
import type { EmulatorState } from '../state/emulator.js';

/**
 * Channel access tokens issued with the channel id and secret (short-lived v2 and stateless v3):
 *   POST /v2/oauth/accessToken  POST /oauth2/v3/token   (form: grant_type=client_credentials,
 *   client_id, client_secret). The token then works on the Messaging API like the registered one.
 */
export function channelTokenRoutes(state: EmulatorState) {
  const r = express.Router();
  const form = express.urlencoded({ extended: false });
  const issue = (ttlS: number) => (req: express.Request, res: express.Response) => {
    const b = (req.body ?? {}) as Record<string, string | undefined>;
    if (b.grant_type !== 'client_credentials')
      return void res
        .status(400)
        .json({ error: 'unsupported_grant_type', error_description: 'unsupported grant_type' });
    const c = b.client_id ? state.channels.get(b.client_id) : undefined;
    if (!c || c.config.channelSecret !== b.client_secret)
      return void res
        .status(400)
        .json({ error: 'invalid_client', error_description: 'invalid client_id or client_secret' });
    const token = randomBytes(32).toString('base64url');
    state.tokens.set(token, c.id);
    res.json({ access_token: token, expires_in: ttlS, token_type: 'Bearer' });
  };
  r.post('/v2/oauth/accessToken', form, issue(30 * 24 * 3600));
  r.post('/oauth2/v3/token', form, issue(15 * 60));
  return r;
}
