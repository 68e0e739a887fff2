/**
 * core/dp public surface: re-exports only. (Owners append their lines; do not reorder.)
 */
// Randomness, validation (H1)
export { createSecureRandomSource, secureRandomSourceFrom, createSeededRandomSourceForTestsOnly, secureRandom, MAX_BYTES_PER_GET_RANDOM_VALUES } from './random.js';
export type { CryptoLike, RandomSource } from './random.js';
// Exact samplers (H1)
export type { Rational, RationalLike } from './samplers/rational.js';
export { rationalFromFiniteNumber } from './samplers/rational.js';
export type { IntegerSampler } from './samplers/integer-sampler.js';
export { MAX_NOISE_SCALE } from './samplers/integer-sampler.js';
export { sampleBernoulli, sampleBernoulliExp } from './samplers/bernoulli.js';
export { sampleGeometric } from './samplers/geometric.js';
export { createDiscreteLaplaceSampler, sampleDiscreteLaplace } from './samplers/discrete-laplace.js';
export type { DiscreteLaplaceOptions } from './samplers/discrete-laplace.js';
export { createDiscreteGaussianSampler, sampleDiscreteGaussian } from './samplers/discrete-gaussian.js';
export type { DiscreteGaussianOptions } from './samplers/discrete-gaussian.js';
// Mechanisms (H1)
export { createVectorSumMechanism } from './mechanisms/vector-sum.js';
export type { VectorSumMechanism, VectorSumMechanismOptions } from './mechanisms/vector-sum.js';
export { createCountMechanism, createHistogramMechanism } from './mechanisms/counts.js';
export type { CountMechanism, CountMechanismOptions, CountNoise, HistogramMechanism, HistogramMechanismOptions } from './mechanisms/counts.js';
export { createRandomizedResponse } from './mechanisms/randomized-response.js';
export type { RandomizedResponseMechanism, RandomizedResponseOptions } from './mechanisms/randomized-response.js';
export { discreteGaussianRho } from './mechanisms/zcdp.js';
// Events (shared contract)
export type { PrivacyEvent, Released } from './events.js';
// Accountant, calibration, device ledger (H2)
export { DEFAULT_RDP_ORDERS } from './accountant/orders.js';
export { RdpAccountant, rdpOfEvent, validatePrivacyEvent } from './accountant/rdp-accountant.js';
export { epsilonFromRdp, deltaFromRdp } from './accountant/conversion.js';
export type { EpsilonAtOrder, DeltaAtOrder } from './accountant/conversion.js';
export { zcdpRhoOfEvent, zcdpToEpsilon, zcdpToEpsilonSimple, zcdpToDelta } from './accountant/zcdp.js';
export { gaussianNoiseMultiplierFor, zcdpRhoFor, discreteGaussianSigmaFor, pureEpsilonFor } from './calibrate.js';
export type { GaussianCalibrationTarget, ZcdpCalibrationTarget, DiscreteGaussianCalibrationTarget, PureDpCalibrationTarget } from './calibrate.js';
export { createPrivacyLedger, chargeId, DEFAULT_LEDGER_BUDGETS } from './ledger.js';
export type {
  PrivacyLedger, PrivacyLedgerOptions, LedgerStore, LedgerTransaction, LedgerEntry, LedgerCharge, LedgerBudgets,
  ChargeRequest, ChargeResult, ChargeRefusal, PeriodLimit, Receipt, ReportStatus, BudgetScope, BudgetView, ScopeView,
} from './ledger.js';
export { createInMemoryLedgerStore } from './ledger-memory-store.js';
export type { InMemoryLedgerStore } from './ledger-memory-store.js';
// Post-processing of releases (free under DP)
export { projectOntoSimplex } from './postprocess.js';
