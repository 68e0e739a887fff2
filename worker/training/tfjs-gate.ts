/**
 * The one door to tfjs on the device. A module that runs tfjs (a model's training or
 * reconstruction) is imported through the gate only when a task or a scorer needs it, so a page
 * downloads tfjs-core and a backend only then: a site without federated learning, or a device
 * whose due tasks need no tensors (ALS statistics, histograms), never does. The Worker's gate
 * first chooses and activates a backend (worker/federated/wire.ts); the simulator and the tests,
 * which set their backend themselves, pass nothing and get `openTfjsDirectly`.
 *
 * @example const { trainLogistic } = await tfjs(() => import('../models/logistic.js'));
 */
export type TfjsGate = <M>(load: () => Promise<M>) => Promise<M>;

/** No backend to prepare: the caller has one active already. */
export const openTfjsDirectly: TfjsGate = (load) => load();
