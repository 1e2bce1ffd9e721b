export * from './features.js';
export * from './line-messages.js';
export * from './forms/index.js';
export * from './forms-api.js';
