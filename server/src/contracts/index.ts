export * from './features.js';
export * from './line-messages.js';
