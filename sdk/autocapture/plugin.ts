/**
 * The autocapture plugin file (built to dist/sdk/inkling-autocapture.js, an IIFE): the script-tag
 * loader fetches it only when a capture is enabled, and it hands `attachAutocapture` over.
 */
import { registerPlugin } from '../plugins.js';
import { attachAutocapture } from './index.js';

registerPlugin('autocapture', attachAutocapture);
