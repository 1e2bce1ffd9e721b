/**
 * Errors of the Messaging API, in LINE's body shape:
 * `{"message": "...", "details": [{"message": "...", "property": "..."}]}` (details only when any).
 */
export interface ErrorDetail {
  message: string;
  property: string;
}

export interface LineErrorBody {
  message: string;
  details?: ErrorDetail[];
  sentMessages?: { id: string; quoteToken?: string }[];
}

export class LineError extends Error {
  constructor(
    readonly status: number,
    readonly body: LineErrorBody,
    readonly headers: Record<string, string> = {},
  ) {
    super(body.message);
  }
}

/** LINE's wording for the common failures; kept together so tests and handlers agree. */
export const MESSAGES = {
  authMissing:
    "Authorization header required. Must follow the scheme, 'Authorization: Bearer <ACCESS TOKEN>'",
  authFailed: 'Authentication failed. Confirm that the access token in the authorization header is valid.',
  rateLimited: 'The API rate limit has been exceeded. Try again later.',
  monthlyLimit: 'You have reached your monthly limit.',
  retryAccepted: 'The retry key is already accepted',
  retryKeyInvalid: 'The retry key is invalid. Specify a UUID in hexadecimal format.',
  retryKeyNotSupported: 'The retry key is not supported by this API.',
  invalidReplyToken: 'Invalid reply token',
  notFound: 'Not found',
  internal: 'An error occurred in the internal server.',
  tooLarge: 'Request entity too large',
  unsupportedMedia: 'Unsupported media type',
  malformedJson: 'The request body could not be parsed as JSON.',
} as const;

export const badRequest = (details: ErrorDetail[]) =>
  new LineError(400, { message: `The request body has ${details.length} error(s)`, details });

/** LINE's answer for a malformed recipient id, e.g. `to` in a push. */
export const invalidProperty = (property: string) =>
  new LineError(400, {
    message: `The property, '${property}', in the request body is invalid (line: -, column: -)`,
  });

export const notFound = (message: string = MESSAGES.notFound) => new LineError(404, { message });
