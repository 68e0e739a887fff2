/**
 * What profile() and a model-aware recommend() read on top of the profile: the next-event model
 * and the purchase-intent posterior. The engine imports this module on the first such question
 * (worker/engine.ts), so the Worker starts without the model code, the Beta quantile and the
 * prior fit: a site that never asks for predictions never downloads them.
 */
export { buyGivenClick } from './intent.js';
export { defaultBuyIntentPriors } from '../../core/models/buy-intent.js';
export { checkNextEventModel, predictNextEvent } from './next-event-prediction.js';
