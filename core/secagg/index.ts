/** Secure aggregation between two non-colluding aggregators: ring, PRG, sharing, HPKE sealing. */
export * from './ring.js';
export * from './prg.js';
export * from './share.js';
export * from './hpke.js';
export * from './upload.js';
