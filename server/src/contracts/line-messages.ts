/**
 * The LINE message model (zod schemas with LINE's limits, Japanese messages) for the admin UI's
 * message editors and previews: the composer validates exactly what the server and the gateway
 * will validate, with the same paths and words.
 */
export * from '../platform/line/messages.js';
