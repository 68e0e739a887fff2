/**
 * The Rényi orders at which the accountant tracks privacy loss.
 *
 * Taken from Google dp_accounting's `DEFAULT_RDP_ORDERS`
 * (python/dp_accounting/dp_accounting/rdp/rdp_privacy_accountant.py):
 *   [1 + x/10 for x in 1..99]  → 1.1, 1.2, …, 10.9  (dense where a Gaussian with a
 *                                  large noise multiplier attains its best ε),
 *   11, 12, …, 63              → integers, where the subsampled Gaussian is computed exactly,
 *   128, 256, 512, 1024        → sparse large orders for small noise / small δ.
 * 156 orders in all. (An older copy of the list, still in some forks, starts the integers at
 * 12 and stops at 512; we follow the current upstream list.)
 *
 * The conversion to (ε, δ) takes the minimum over these orders, so a denser list can only
 * lower ε; the list is a coverage choice, not a privacy parameter.
 */
function defaultOrders(): readonly number[] {
  const orders: number[] = [];
  for (let x = 1; x <= 99; x += 1) orders.push(1 + x / 10);
  for (let order = 11; order <= 63; order += 1) orders.push(order);
  orders.push(128, 256, 512, 1024);
  return Object.freeze(orders);
}

export const DEFAULT_RDP_ORDERS: readonly number[] = defaultOrders();
