/**
 * The local update of a round: the dense difference of a model's WHOLE flat parameter vector.
 * Never only the rows a visitor touched: which rows changed would tell the server which items the
 * visitor interacted with. Its length is fixed by the model's layout, whatever the visitor did.
 */

/**
 * `after − before`, element by element, as float32.
 * @example const update = computeUpdate(blob.data, getGlobalParameters(model));
 */
export function computeUpdate(before: Float32Array, after: Float32Array): Float32Array {
  if (before.length !== after.length) {
    throw new RangeError(`before and after must have the same length (the model's layout); got ${before.length} and ${after.length}`);
  }
  const update = new Float32Array(before.length);
  for (let i = 0; i < update.length; i++) update[i] = after[i]! - before[i]!;
  return update;
}

/** Euclidean norm, accumulated in float64. */
export function l2Norm(vector: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) sum += vector[i]! * vector[i]!;
  return Math.sqrt(sum);
}
