/**
 * The flat parameter layout of the federated matrix-factorisation model: what the aggregator
 * stores, averages and serves as the `mf-items` model blob, and what a device sends a (noised)
 * delta of. The user embedding is NOT part of it: it never leaves the device.
 *
 * Layout (float32, row-major, in this order; the model blob header lists the same tensors):
 *   item_embeddings  [nItems, dim]   row i = catalogue item i
 *   item_bias        [nItems]
 * so the vector length is nItems × (dim + 1). With dim 16 a dense update stays ≤ 150k floats
 * for catalogues up to 8,823 items (ml-latest-small: 9,066 rated movies; 3,496 with ≥ 5 ratings).
 *
 * Item i is the i-th id of the catalogue list shared by server and clients (public data served
 * by the site); no item id ever travels in a contribution, only positions in this layout.
 */
import type { TensorSpec } from '../../core/protocol/aggregator.js';

export const MF_ITEM_EMBEDDINGS = 'item_embeddings';
export const MF_ITEM_BIAS = 'item_bias';

export interface MfShape {
  readonly nItems: number;
  readonly dim: number;
}

/** Validates an MF shape once, naming the field and the rule. */
export function checkMfShape(shape: MfShape): MfShape {
  const { nItems, dim } = shape;
  if (!Number.isInteger(nItems) || nItems < 2) throw new RangeError(`nItems must be an integer ≥ 2; got ${nItems}`);
  if (!Number.isInteger(dim) || dim < 1 || dim > 256) throw new RangeError(`dim must be an integer in [1, 256]; got ${dim}`);
  return shape;
}

/** Number of floats in the global (shared) parameter vector: nItems × (dim + 1). */
export function mfParameterLength(shape: MfShape): number {
  checkMfShape(shape);
  return shape.nItems * (shape.dim + 1);
}

/** The tensors of the `mf-items` model blob header, in layout order. */
export function mfTensorSpecs(shape: MfShape): TensorSpec[] {
  checkMfShape(shape);
  return [
    { name: MF_ITEM_EMBEDDINGS, shape: [shape.nItems, shape.dim] },
    { name: MF_ITEM_BIAS, shape: [shape.nItems] },
  ];
}

/** Recovers the MF shape from a model blob header's tensors; throws naming what does not match. */
export function mfShapeFromSpecs(tensors: readonly TensorSpec[]): MfShape {
  const embeddings = tensors[0];
  const bias = tensors[1];
  if (tensors.length !== 2 || embeddings?.name !== MF_ITEM_EMBEDDINGS || bias?.name !== MF_ITEM_BIAS) {
    throw new RangeError(`an MF model has exactly the tensors [${MF_ITEM_EMBEDDINGS}, ${MF_ITEM_BIAS}]; got [${tensors.map((t) => t.name).join(', ')}]`);
  }
  const [nItems, dim] = embeddings.shape;
  if (embeddings.shape.length !== 2 || nItems === undefined || dim === undefined) {
    throw new RangeError(`${MF_ITEM_EMBEDDINGS} must have shape [nItems, dim]; got [${embeddings.shape.join(', ')}]`);
  }
  if (bias.shape.length !== 1 || bias.shape[0] !== nItems) {
    throw new RangeError(`${MF_ITEM_BIAS} must have shape [${nItems}]; got [${bias.shape.join(', ')}]`);
  }
  return checkMfShape({ nItems, dim });
}

/** Views (no copy) of the two tensors inside a flat global parameter vector. */
export function splitMfParameters(shape: MfShape, flat: Float32Array): { itemEmbeddings: Float32Array; itemBias: Float32Array } {
  const length = mfParameterLength(shape);
  if (flat.length !== length) throw new RangeError(`MF parameters must have ${length} floats (nItems × (dim + 1)); got ${flat.length}`);
  const split = shape.nItems * shape.dim;
  return { itemEmbeddings: flat.subarray(0, split), itemBias: flat.subarray(split) };
}
